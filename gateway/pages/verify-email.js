import { explain, graphql, say, takeToken } from './api.js';

const token = takeToken();
if (!token) {
  say('This link has no token in it. Open the link from the email again, or ask for a new one in the app.', 'error');
} else {
  const { data, errors } = await graphql(
    'mutation VerifyEmail($token: String!) { verifyEmail(token: $token) { username } }',
    { token },
  );
  if (data?.verifyEmail) {
    document.getElementById('title').textContent = 'Email address confirmed';
    say(
      `Thank you, ${data.verifyEmail.username}: your email address is confirmed. You can close this page.`,
      'success',
    );
  } else {
    document.getElementById('title').textContent = 'Email address not confirmed';
    say(`${explain(errors[0])} You can ask for a new link in the app.`, 'error');
  }
}
