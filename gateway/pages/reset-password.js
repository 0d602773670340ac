import { explain, graphql, say, takeToken } from './api.js';

const token = takeToken();
const form = document.getElementById('reset');
const password = document.getElementById('password');
const confirm = document.getElementById('confirm');

/** Marks one field wrong with its message, or clears it. */
function fieldError(input, text) {
  const message = document.getElementById(`${input.id}-error`);
  message.textContent = text ?? '';
  message.hidden = !text;
  if (text) {
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  } else {
    input.removeAttribute('aria-invalid');
  }
}

function linkFailed(text) {
  form.hidden = true;
  document.getElementById('title').textContent = 'Password not changed';
  say(`${text} Ask for a new link from the sign-in page.`, 'error');
}

if (!token) {
  linkFailed('This link has no token in it.');
} else {
  form.hidden = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    fieldError(password);
    fieldError(confirm);
    if (password.value.length < 10) return fieldError(password, 'Passwords are at least 10 characters.');
    if (password.value !== confirm.value) return fieldError(confirm, 'The two passwords differ.');
    const button = form.querySelector('button');
    button.disabled = true;
    say('Setting your new password…');
    const { data, errors } = await graphql(
      'mutation ResetPassword($token: String!, $newPassword: String!) { resetPassword(token: $token, ' +
        'newPassword: $newPassword) }',
      {
        token,
        newPassword: password.value,
      },
    );
    button.disabled = false;
    if (data?.resetPassword) {
      form.hidden = true;
      document.getElementById('title').textContent = 'Password changed';
      return say('Your password is changed and every device was signed out. Sign in with the new password.', 'success');
    }
    const error = errors[0];
    if (error?.extensions?.field === 'newPassword') {
      say('');
      return fieldError(password, error.message);
    }
    if (error?.extensions?.field === 'token') return linkFailed(error.message);
    say(explain(error), 'error');
  });
}
