// "Match a client" on the admin's page: choose a client, go through what they are looking for
// with them (their preferences, worded for them), see their matches, with the clinic's outcome
// lean when the clinic uses it, and ask a therapist for a first appointment on their behalf.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { User } from '../api';
import { Matches } from '../match_cards';
import { matchingApi, unlessMissing, type Preferences } from '../matching_api';
import { focusPreferenceField, PreferencesForm } from '../preferences_form';
import { Alert, Loading, SelectField, useLoad } from '../ui';

export function MatchAClient({ users }: { users: User[] }) {
  const clients = users.filter((u) => u.role === 'client' && u.active !== false).sort((a, b) => a.display_name.localeCompare(b.display_name));
  const [chosen, setChosen] = useState('');
  const client = clients.find((c) => String(c.id) === chosen);
  return (
    <section class="card" aria-labelledby="match-heading">
      <h2 id="match-heading">Match a client</h2>
      <p>
        For a client who has no therapist yet. Go through the questions with them: they are worded for the client, and
        the client’s own answers matter most. A client who already has an open episode cannot be asked for again; you
        will be told if so.
      </p>
      <SelectField
        label="Client"
        name="match-client"
        value={chosen}
        onInput={setChosen}
        options={[{ value: '', label: 'Choose a client' }, ...clients.map((c) => ({ value: String(c.id), label: c.display_name }))]}
      />
      {client && <ClientMatching key={client.id} client={client} />}
    </section>
  );
}

function ClientMatching({ client }: { client: User }) {
  const loaded = useLoad(() => unlessMissing(matchingApi.preferences(client.id)), [client.id]);
  const [saved, setSaved] = useState<Preferences>();
  const [saves, setSaves] = useState(0);
  const [asks, setAsks] = useState(0);
  const [asked, setAsked] = useState<string>();
  const askedRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (asked) askedRef.current?.focus();
  }, [asked, asks]);
  const preferences = saved ?? loaded.data;
  if (loaded.loading && !loaded.data) return <Loading what={`${client.display_name}’s preferences`} />;
  if (loaded.error) return <Alert>{loaded.error.message}</Alert>;
  return (
    <div class="client-matching">
      <div tabIndex={-1} ref={askedRef}>
        {asked && (
          <Alert kind="success">
            {asked} was asked for a first appointment with {client.display_name}. An episode in intake is open, and {asked} will offer a time.
          </Alert>
        )}
      </div>
      {!preferences && <p class="muted">{client.display_name} has not said what they are looking for yet.</p>}
      {preferences && (
        <Matches
          clientId={client.id}
          clientName={client.display_name}
          needs={preferences.needs}
          audience="staff"
          headingLevel={3}
          version={saves + asks}
          focusWhen={saves}
          onAsked={(name) => {
            setAsked(name);
            setAsks((n) => n + 1);
          }}
          onChangeNeed={focusPreferenceField}
        />
      )}
      <PreferencesForm
        clientId={client.id}
        initial={loaded.data}
        headingLevel={3}
        submitLabel={`Save and see matches for ${client.display_name}`}
        onSaved={(p) => {
          setSaved(p);
          setAsked(undefined);
          setSaves((n) => n + 1);
        }}
      />
    </div>
  );
}
