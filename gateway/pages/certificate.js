import { explain, graphql, say } from './api.js';

// The certificate's id from the link; shown only as the API answers for it, never written as HTML.
const id = new URL(location.href).searchParams.get('id')?.trim() ?? '';
const title = document.getElementById('title');
if (!id) {
  title.textContent = 'Certificate not found';
  say('This link names no certificate. Open the link printed on the certificate again.', 'error');
} else {
  const { data, errors } = await graphql(
    'query Certificate($id: ID!) { certificate(id: $id) { studentName courseTitle instructorName issuedAt } }',
    { id },
  );
  const found = data?.certificate;
  if (found) {
    title.textContent = 'Certificate verified';
    document.getElementById('student').textContent = found.studentName;
    document.getElementById('course').textContent = found.courseTitle;
    document.getElementById('instructor').textContent = found.instructorName;
    document.getElementById('issued').textContent = found.issuedAt.slice(0, 10);
    document.getElementById('details').hidden = false;
    say('PeerLink issued this certificate.', 'success');
  } else {
    title.textContent = 'Certificate not found';
    const unknown = errors[0]?.extensions?.code === 'NOT_FOUND';
    say(
      unknown ? 'PeerLink issued no certificate with this link. Check it was copied whole.' : explain(errors[0]),
      'error',
    );
  }
}
