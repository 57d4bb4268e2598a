// The client's "Find a therapist" page (in the navigation as "Your preferences"): what they are
// looking for and, once saved, up to three suggested therapists with the way to ask one of them
// for a first appointment, which leads on to the calm first step. A client who already has an
// open episode keeps their preferences up to date here but is not offered anyone new.
import { useState } from 'preact/hooks';
import { api } from '../api';
import type { AppContext } from '../main';
import { Matches } from '../match_cards';
import { matchingApi, unlessMissing, type Preferences } from '../matching_api';
import { focusPreferenceField, PreferencesForm } from '../preferences_form';
import { navigate } from '../router';
import { Alert, Loading, PageTitle, useLoad } from '../ui';

async function loadPage(clientId: number) {
  const [preferences, me] = await Promise.all([unlessMissing(matchingApi.preferences(clientId)), api.client(clientId).catch(() => undefined)]);
  const open = (me?.episodes ?? []).find((e) => e.status !== 'ended');
  return { preferences, open };
}

export function FindTherapistPage({ ctx }: { ctx: AppContext }) {
  const clientId = ctx.user.id;
  const page = useLoad(() => loadPage(clientId), [clientId]);
  const [saved, setSaved] = useState<Preferences>();
  const [version, setVersion] = useState(0);
  const open = page.data?.open;
  const title = open ? 'Your preferences' : 'Find a therapist';
  const preferences = saved ?? page.data?.preferences;

  return (
    <div class="page narrow-page">
      <PageTitle title={title}>{title}</PageTitle>
      {page.loading && !page.data && <Loading what="your preferences" />}
      {page.error && <Alert>{page.error.message}</Alert>}
      {page.data && (
        <>
          {open ? (
            <AlreadyWithSomeone therapist={open.therapist_name} intake={open.status === 'intake'} />
          ) : (
            <p class="lede">
              Tell us what you need and what you would like, and we will suggest up to three therapists at the clinic who
              fit. You choose whom to ask. The staff who help match you, and later your therapist, can read your answers.
            </p>
          )}
          {open && saved && <Alert kind="success">Your preferences are saved.</Alert>}
          {!open && preferences && (
            <Matches
              clientId={clientId}
              needs={preferences.needs}
              audience="client"
              headingLevel={2}
              version={version}
              focusWhen={version}
              onAsked={() => navigate('/first-step?asked=1')}
              onChangeNeed={focusPreferenceField}
            />
          )}
          <PreferencesForm
            clientId={clientId}
            initial={page.data.preferences}
            submitLabel={open ? 'Save my preferences' : preferences ? 'Save and see my matches again' : 'Save and see my matches'}
            onSaved={(p) => {
              setSaved(p);
              setVersion((v) => v + 1);
            }}
          />
        </>
      )}
    </div>
  );
}

function AlreadyWithSomeone({ therapist, intake }: { therapist?: string; intake: boolean }) {
  return (
    <div class="card">
      <p>
        {intake
          ? `You have asked ${therapist ?? 'a therapist'} for a first appointment, so we are not suggesting anyone else for now.`
          : `You are seeing ${therapist ?? 'a therapist'}, so we are not suggesting anyone else for now.`}{' '}
        You can still keep what you are looking for up to date here.
      </p>
      {intake && (
        <p>
          <a href="/first-step">Getting ready for your first session</a>
        </p>
      )}
    </div>
  );
}
