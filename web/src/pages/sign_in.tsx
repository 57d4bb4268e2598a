// Sign-in: email and password. Wrong credentials and lockouts are told in plain words.
import { api, type Session } from '../api';
import { Alert, Field, FormErrorSummary, PageTitle, useForm } from '../ui';

export function SignInPage({ signedIn }: { signedIn: (s: Session) => void }) {
  const form = useForm({ email: '', password: '' });
  const expired = new URLSearchParams(location.search).get('expired') === '1';
  const onSubmit = (e: Event) => {
    e.preventDefault();
    void form.submit(async () => {
      const session = await api.login(form.values.email.trim(), form.values.password);
      signedIn(session);
    });
  };
  return (
    <div class="narrow">
      <PageTitle title="Sign in">Sign in to Rapport</PageTitle>
      <p class="lede">Welcome. Sign in with the email address your clinic has on file.</p>
      {expired && !form.error && (
        <Alert kind="info">For your privacy you were signed out after a period without activity. Please sign in again.</Alert>
      )}
      <form class="card form" onSubmit={onSubmit} noValidate>
        <FormErrorSummary error={form.error} fields={['email', 'password']} />
        <Field
          label="Email"
          name="email"
          type="email"
          autoComplete="username"
          required
          value={form.values.email}
          onInput={form.set('email')}
          error={form.fieldError('email')}
        />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={form.values.password}
          onInput={form.set('password')}
          error={form.fieldError('password')}
        />
        <button class="button button--primary button--block" type="submit" disabled={form.busy}>
          {form.busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p class="after-card">
        <a href="/forgot-password">Forgot your password?</a>
      </p>
      <p class="muted small">
        New to Rapport? Your therapist or clinic sends you an invitation link to set your password.
      </p>
    </div>
  );
}
