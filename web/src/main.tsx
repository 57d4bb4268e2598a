// The application shell: who is signed in, the header with its navigation, and the page for
// the current path. Pages receive the signed-in user; signed-out visitors see sign-in, an
// invitation or the page that sends a link for a forgotten password.
import { render, type ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import './styles.css';
import { api, ApiError, setCsrfToken, setSessionEndedHandler, type Session, type User } from './api';
import { roleLabels } from './format';
import { LiveAlertBanners } from './alerts';
import { startLive } from './live';
import { interceptLinks, navigate, pathAfterSignIn, usePath } from './router';
import { Loading } from './ui';
import { SignInPage } from './pages/sign_in';
import { InvitePage } from './pages/invite';
import { ForgotPasswordPage } from './pages/forgot_password';
import { AccountPage } from './pages/account';
import { TherapistHome } from './pages/therapist_home';
import { ClientPage } from './pages/client_page';
import { SupervisorHome } from './pages/supervisor_home';
import { ClientHome } from './pages/client_home';
import { GuardianHome } from './pages/guardian_home';
import { AdminHome, AuditPage } from './pages/admin';
import { AlertPage } from './pages/alert_page';
import { ClinicSafetyPage } from './pages/clinic_safety';
import { NotFoundPage } from './pages/not_found';
import { OutboxPage } from './pages/outbox';
import { EpisodePage } from './pages/episode_page';
import { FeedbackLinkPage, SessionFeedbackPage } from './pages/feedback';
import { GuardianFeedbackPage } from './pages/guardian_feedback';
import { FeedbackLinkHelpPage, SignedInHelpPage } from './pages/help';
import { PlanPage } from './pages/plan_page';
import { PlanEditorPage } from './pages/plan_editor';
import { PlanComparePage, PlanPrintPage, PlanVersionPage } from './pages/plan_version';
import { RoomPage } from './pages/room';
import { FindTherapistPage } from './pages/find_therapist';
import { FirstStepPage } from './pages/first_step';
import { TherapistProfilePage } from './pages/therapist_profile';
import { OutcomeReportPage } from './pages/outcome_report';
import { EndingPage } from './pages/ending_page';
import { DischargeSummaryPage } from './pages/discharge_summary';
import { SessionNotePage } from './pages/session_note';
import { MyNotesPage } from './pages/my_notes';
import { ChangePage } from './pages/change_page';
import { ChangesPage } from './pages/changes_list';

export interface AppContext {
  user: User;
  signedIn: (session: Session) => void;
  signedOut: () => void;
}

function App() {
  const path = usePath();
  const [user, setUser] = useState<User | null | undefined>(undefined);

  // Staff hear of new alerts on whatever page they have open; clients never receive them, but
  // both hear of a new secure message on the page that shows its thread. Guardians have no
  // messages, so their pages open no connection.
  const live = !!user && (user.role === 'therapist' || user.role === 'supervisor' || user.role === 'admin' || user.role === 'client');
  useEffect(() => (live ? startLive() : undefined), [live, user?.id]);

  useEffect(() => {
    api.me().then(
      (s) => {
        setCsrfToken(s.csrf_token);
        setUser(s.user);
      },
      (e: unknown) => {
        if (!(e instanceof ApiError) || e.status !== 401) console.warn('could not load the session', e);
        setUser(null);
      },
    );
  }, []);

  const signedIn = (s: Session) => {
    setCsrfToken(s.csrf_token);
    setUser(s.user);
    const next = new URLSearchParams(location.search).get('next');
    navigate(pathAfterSignIn(next), true);
  };
  const signedOut = () => {
    setCsrfToken('');
    setUser(null);
    navigate('/sign-in', true);
  };
  setSessionEndedHandler(() => {
    setCsrfToken('');
    setUser(null);
    // The whole address, so that signing in again returns to the same form for the same session.
    const here = location.pathname + location.search;
    navigate(`/sign-in?expired=1${here !== '/' ? `&next=${encodeURIComponent(here)}` : ''}`, true);
  });

  if (user === undefined) {
    return (
      <Shell>
        <Loading what="Rapport" />
      </Shell>
    );
  }

  if (path.startsWith('/invite/')) {
    return (
      <Shell user={user} signedOut={signedOut}>
        <InvitePage token={decodeURIComponent(path.slice('/invite/'.length))} signedIn={signedIn} />
      </Shell>
    );
  }

  // Asking for a link to choose a new password needs no sign-in either.
  if (path === '/forgot-password') {
    return (
      <Shell user={user} signedOut={signedOut} path={path}>
        <ForgotPasswordPage />
      </Shell>
    );
  }

  // A feedback link needs no sign-in: the token in it is the credential, also for its help page.
  const link = /^\/feedback\/([^/]+)(\/help)?$/.exec(path);
  if (link) {
    const token = decodeURIComponent(link[1]!);
    const helpHref = `/feedback/${link[1]}/help`;
    return (
      <Shell user={user} signedOut={signedOut} path={path} helpHref={helpHref}>
        {link[2] ? <FeedbackLinkHelpPage token={token} /> : <FeedbackLinkPage token={token} />}
      </Shell>
    );
  }

  if (!user) {
    if (path !== '/sign-in') {
      // The whole address, so that signing in leads back to exactly this page.
      const next = path === '/' ? '' : `?next=${encodeURIComponent(path + location.search)}`;
      return <Redirect to={`/sign-in${next}`} />;
    }
    return (
      <Shell>
        <SignInPage signedIn={signedIn} />
      </Shell>
    );
  }

  const ctx: AppContext = { user, signedIn, signedOut };
  // Clients and guardians are the ones who may need help in a hurry: on every page, one tap away.
  const helpHref = user.role === 'client' || user.role === 'guardian' ? '/help' : undefined;
  return (
    <Shell user={user} signedOut={signedOut} path={path} helpHref={helpHref}>
      <Route path={path} ctx={ctx} />
    </Shell>
  );
}

function Route({ path, ctx }: { path: string; ctx: AppContext }) {
  const role = ctx.user.role;
  if (path === '/sign-in') return <Redirect to="/" />;
  if (path === '/' || path === '') {
    switch (role) {
      case 'therapist':
        return <TherapistHome ctx={ctx} />;
      case 'supervisor':
        return <SupervisorHome ctx={ctx} />;
      case 'client':
        return <ClientHome ctx={ctx} />;
      case 'guardian':
        return <GuardianHome ctx={ctx} />;
      case 'admin':
        return <AdminHome ctx={ctx} />;
    }
  }
  if (path === '/account') return <AccountPage ctx={ctx} />;
  if (path === '/help') return <SignedInHelpPage />;
  const client = /^\/clients\/(\d+)$/.exec(path);
  if (client && (role === 'therapist' || role === 'supervisor')) return <ClientPage ctx={ctx} clientId={Number(client[1])} />;
  if (path === '/audit' && role === 'admin') return <AuditPage ctx={ctx} />;
  if (path === '/clinic/outbox' && role === 'admin') return <OutboxPage ctx={ctx} />;
  if (path === '/clinic/safety' && role === 'admin') return <ClinicSafetyPage ctx={ctx} />;
  const alert = /^\/alerts\/(\d+)$/.exec(path);
  if (alert && (role === 'therapist' || role === 'supervisor')) return <AlertPage ctx={ctx} alertId={Number(alert[1])} />;
  const episode = /^\/episodes\/(\d+)$/.exec(path);
  if (episode && (role === 'therapist' || role === 'supervisor')) return <EpisodePage ctx={ctx} episodeId={Number(episode[1])} />;
  // The end of an episode: its therapist or their supervisor ends it; the server decides who may
  // read the summary (the care team, and the client once it has ended, as may a parent or carer
  // with whom summaries are shared).
  const ending = /^\/episodes\/(\d+)\/ending$/.exec(path);
  if (ending && (role === 'therapist' || role === 'supervisor')) return <EndingPage ctx={ctx} episodeId={Number(ending[1])} />;
  const summary = /^\/episodes\/(\d+)\/summary$/.exec(path);
  if (summary && role !== 'admin') {
    return <DischargeSummaryPage ctx={ctx} episodeId={Number(summary[1])} />;
  }
  // Session notes: the server decides whose (the episode's therapist and supervisor write and read
  // them; the client reads the signed ones where the clinic allows it).
  const note = /^\/appointments\/(\d+)\/note$/.exec(path);
  if (note && (role === 'therapist' || role === 'supervisor')) return <SessionNotePage ctx={ctx} appointmentId={Number(note[1])} />;
  const myNotes = /^\/episodes\/(\d+)\/notes$/.exec(path);
  if (myNotes && role === 'client') return <MyNotesPage ctx={ctx} episodeId={Number(myNotes[1])} />;
  // A change of therapist: the server decides who may see it (the client, the clinic's admins, the
  // therapist who referred); admins list the clinic's.
  const change = /^\/therapist-changes\/(\d+)$/.exec(path);
  if (change && role !== 'guardian') return <ChangePage ctx={ctx} changeId={Number(change[1])} />;
  if (path === '/therapist-changes' && role === 'admin') return <ChangesPage ctx={ctx} />;
  if (path === '/feedback' && role === 'client') return <SessionFeedbackPage ctx={ctx} />;
  // A parent or carer answers the parent-report questionnaires about their child.
  if (path === '/feedback' && role === 'guardian') return <GuardianFeedbackPage ctx={ctx} />;
  if (path === '/find-a-therapist' && role === 'client') return <FindTherapistPage ctx={ctx} />;
  if (path === '/first-step' && role === 'client') return <FirstStepPage ctx={ctx} />;
  if (path === '/profile' && role === 'therapist') return <TherapistProfilePage ctx={ctx} />;
  const profile = /^\/therapists\/(\d+)\/profile$/.exec(path);
  if (profile && role === 'admin') return <TherapistProfilePage ctx={ctx} therapistId={Number(profile[1])} />;
  if (path === '/reports/outcomes' && (role === 'admin' || role === 'supervisor')) return <OutcomeReportPage ctx={ctx} />;
  // A session's room: the server decides who may come in (its client, therapist, invited guardian).
  const room = /^\/appointments\/(\d+)\/room$/.exec(path);
  if (room && role !== 'admin') return <RoomPage ctx={ctx} appointmentId={Number(room[1])} />;
  // The plan: the server decides who may see which episode's plan; admins have none.
  if (role !== 'admin') {
    const plan = /^\/episodes\/(\d+)\/plan(?:\/(compare|versions\/(\d+)(?:\/(edit|print))?))?$/.exec(path);
    if (plan) {
      const episodeId = Number(plan[1]);
      const n = plan[3] ? Number(plan[3]) : 0;
      if (!plan[2]) return <PlanPage ctx={ctx} episodeId={episodeId} />;
      if (plan[2] === 'compare') return <PlanComparePage ctx={ctx} episodeId={episodeId} />;
      if (plan[4] === 'edit' && (role === 'therapist' || role === 'supervisor')) return <PlanEditorPage ctx={ctx} episodeId={episodeId} number={n} />;
      if (plan[4] === 'print') return <PlanPrintPage ctx={ctx} episodeId={episodeId} number={n} />;
      if (!plan[4]) return <PlanVersionPage ctx={ctx} episodeId={episodeId} number={n} />;
    }
  }
  return <NotFoundPage />;
}

// Replaces the current history entry, so that Back does not bounce through the redirect.
function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, true), [to]);
  return null;
}

function Shell(props: { user?: User | null; signedOut?: () => void; path?: string; helpHref?: string; children: ComponentChildren }) {
  const { user } = props;
  const links: { href: string; label: string; help?: boolean }[] = [];
  if (user) {
    links.push({ href: '/', label: user.role === 'therapist' ? 'Caseload' : 'Home' });
    if (user.role === 'admin') links.push({ href: '/audit', label: 'Audit log' });
    // Always within reach, also once care has begun: what the client is looking for stays theirs to change.
    if (user.role === 'client') links.push({ href: '/find-a-therapist', label: 'Your preferences' });
    links.push({ href: '/account', label: 'Account' });
  }
  if (props.helpHref) links.push({ href: props.helpHref, label: 'Get help now', help: true });
  const current = (href: string) =>
    props.path === href || (href === '/' &&
      (props.path?.startsWith('/clients/') ||
        props.path?.startsWith('/episodes/') ||
        props.path?.startsWith('/alerts/') ||
        props.path?.startsWith('/therapist-changes'))) ? 'page' : undefined;
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to main content
      </a>
      <header class="site-header">
        <div class="site-header__inner">
          <a class="brand" href="/">
            <span class="brand__mark" aria-hidden="true" />
            Rapport
          </a>
          {links.length > 0 && (
            <nav aria-label="Main">
              <ul class="nav-list">
                {links.map((l) => (
                  <li key={l.href}>
                    <a href={l.href} aria-current={current(l.href)} class={l.help ? 'nav-list__help' : undefined}>
                      {l.label}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
          )}
          {user && (
            <p class="whoami">
              <span class="whoami__name">{user.display_name}</span>
              <span class="whoami__role">{roleLabels[user.role] ?? user.role}</span>
            </p>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {user && <LiveAlertBanners canOpen={user.role === 'therapist' || user.role === 'supervisor'} />}
        {props.children}
      </main>
      <footer class="site-footer">
        <p>Rapport · your clinic's record of care. In an emergency call your local emergency number.</p>
      </footer>
    </>
  );
}

const root = document.getElementById('app')!;
interceptLinks(root);
render(<App />, root);
