// Forgot password: the person gives the address they sign in with and is sent a link to choose a
// new password. The answer is the same whether or not the address has an account, so the page
// tells nobody who has one.
import { useState } from 'preact/hooks';
import { api } from '../api';
import { Alert, Field, FormErrorSummary, PageTitle, useForm } from '../ui';

export function ForgotPasswordPage() {
  const form = useForm({ email: '' });
  const [sent, setSent] = useState<string>();
  const onSubmit = (e: Event) => {
    e.preventDefault();
    setSent(undefined);
    void form.submit(async () => {
      const answer = await api.requestPasswordReset(form.values.email.trim());
      // The server's words: the same for every address.
      setSent(answer.message);
    });
  };
  return (
    <div class="narrow">
      <PageTitle title="Forgot your password?">Forgot your password?</PageTitle>
      <p class="lede">
        No problem. Tell us the email address you sign in with, and we will send you a link to choose a new password.
      </p>
      {sent && (
        <Alert kind="success">
          <p>{sent}</p>
        </Alert>
      )}
      <form class="card form" onSubmit={onSubmit} noValidate>
        <FormErrorSummary error={form.error} fields={['email']} />
        <Field
          label="Email"
          name="email"
          type="email"
          autoComplete="username"
          required
          value={form.values.email}
          onInput={(value) => {
            setSent(undefined);
            form.set('email')(value);
          }}
          error={form.fieldError('email')}
        />
        <button class="button button--primary button--block" type="submit" disabled={form.busy}>
          {form.busy ? 'Sending…' : 'Send me a link'}
        </button>
      </form>
      <p class="muted small after-card">
        The link does not arrive? Check your spam folder, or ask your clinic to send you a new invitation.
      </p>
      <p class="after-card">
        <a href="/sign-in">Back to sign-in</a>
      </p>
    </div>
  );
}
