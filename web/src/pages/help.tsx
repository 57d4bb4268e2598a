// "Get help now": the emergency number and the crisis lines for the reader's country, and what
// the clinic does when someone tells it on a form that they are not safe. Signed in, from /help;
// from a feedback link, for that link's client without signing in.
import { api, type HelpInfo } from '../api';
import { HelpLines, EmergencyCall } from '../help_view';
import { Alert, Loading, PageTitle, useLoad } from '../ui';

function HelpView({ help }: { help: HelpInfo }) {
  return (
    <>
      <section class="card card--help" aria-labelledby="now-heading">
        <h2 id="now-heading">{help.title}</h2>
        <p>{help.body}</p>
        <EmergencyCall help={help} />
      </section>
      {help.lines.length > 0 && (
        <section class="card" aria-labelledby="lines-heading">
          <h2 id="lines-heading">Someone to talk to</h2>
          <HelpLines lines={help.lines} />
          {(help.source || help.checked) && (
            <p class="muted small help__source">
              Numbers checked{help.checked ? ` ${help.checked}` : ''}
              {help.source ? ` with ${help.source}` : ''}.
            </p>
          )}
        </section>
      )}
      <section class="card" aria-labelledby="after-heading">
        <h2 id="after-heading">What happens when you tell us on a form</h2>
        <p>{help.after_risk.body}</p>
        {help.clinic_name && (
          <p class="muted">
            {help.clinic_name}
            {help.hours ? ` · ${help.hours}` : ''} · {help.open_now ? 'open now' : 'closed now'}
          </p>
        )}
      </section>
    </>
  );
}

function HelpPage({ load, deps }: { load: () => Promise<HelpInfo>; deps: unknown[] }) {
  const help = useLoad(load, deps);
  return (
    <div class="page narrow-page">
      <PageTitle title="Get help now">Get help now</PageTitle>
      {help.loading && !help.data && <Loading what="the numbers" />}
      {help.error && <Alert>{help.error.status === 404 ? 'This link has expired. If you are in danger now, call your local emergency number.' : help.error.message}</Alert>}
      {help.data && <HelpView help={help.data} />}
    </div>
  );
}

export function SignedInHelpPage() {
  return <HelpPage load={api.help} deps={[]} />;
}

export function FeedbackLinkHelpPage({ token }: { token: string }) {
  return <HelpPage load={() => api.feedbackLinkHelp(token)} deps={[token]} />;
}
