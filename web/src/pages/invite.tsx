// An invitation link (or a password-reset link, which works the same way): the person chooses a
// password and is signed in at once.
import { api, type Session } from '../api';
import { Alert, Field, FormErrorSummary, Loading, PageTitle, useForm, useLoad } from '../ui';

export function InvitePage({ token, signedIn }: { token: string; signedIn: (s: Session) => void }) {
  const info = useLoad(() => api.invitation(token), [token]);
  const form = useForm({ password: '', confirm: '' });
  const mismatch = form.values.confirm !== '' && form.values.password !== form.values.confirm;

  const onSubmit = (e: Event) => {
    e.preventDefault();
    if (form.values.password !== form.values.confirm) return;
    void form.submit(async () => signedIn(await api.acceptInvitation(token, form.values.password)));
  };

  if (info.loading) return <Loading what="your invitation" />;
  if (info.error) {
    return (
      <div class="narrow">
        <PageTitle title="Invitation">Invitation</PageTitle>
        <Alert>
          <p>
            {info.error.status === 404 || info.error.status === 410
              ? 'This invitation link has expired or has already been used. Please ask your clinic for a new one.'
              : info.error.message}
          </p>
        </Alert>
        <p>
          <a href="/sign-in">Go to sign-in</a>
        </p>
        <p>
          A link to choose a new password that has expired? <a href="/forgot-password">Ask for a new one</a>.
        </p>
      </div>
    );
  }
  const name = info.data?.display_name;
  const reset = info.data?.purpose === 'reset';
  return (
    <div class="narrow">
      {reset ? (
        <PageTitle title="Choose a new password">Choose a new password</PageTitle>
      ) : (
        <PageTitle title="Welcome">{name ? `Welcome, ${name}` : 'Welcome to Rapport'}</PageTitle>
      )}
      <p class="lede">
        {reset ? 'Choose a new password for your account' : 'Choose a password to finish setting up your account'}
        {info.data?.email ? (
          <>
            {' '}
            for <strong>{info.data.email}</strong>
          </>
        ) : null}
        .{reset ? ' Anywhere else you are signed in will be signed out.' : ''}
      </p>
      <form class="card form" onSubmit={onSubmit} noValidate>
        <FormErrorSummary error={form.error} fields={['password']} />
        <Field
          label="New password"
          name="password"
          type="password"
          autoComplete="new-password"
          required
          hint="At least 12 characters. A few unrelated words make a strong password."
          value={form.values.password}
          onInput={form.set('password')}
          error={form.fieldError('password')}
        />
        <Field
          label="Repeat the password"
          name="confirm"
          type="password"
          autoComplete="new-password"
          required
          value={form.values.confirm}
          onInput={form.set('confirm')}
          error={mismatch ? 'The two passwords are not the same.' : undefined}
        />
        <button class="button button--primary button--block" type="submit" disabled={form.busy}>
          {form.busy ? 'Setting up…' : 'Set password and sign in'}
        </button>
      </form>
    </div>
  );
}
