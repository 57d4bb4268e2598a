// The episode page's part in changing therapist: the handover an episode started with (only what
// the client chose to share), and referring the client on, to a colleague or to care outside the
// clinic, with a reason the client will read.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api';
import { changeApi, isOpen, staffStatusWords, type ReferralInput, type TherapistChange } from './change_api';
import { PacketAbout, SharedSections } from './handover_view';
import { Alert, Field, FormErrorSummary, Loading, RadioGroup, SelectField, TextAreaField, useLoad } from './ui';

// Nothing at all for an episode that did not start from a change of therapist.
export function HandoverSection({ episodeId }: { episodeId: number }) {
  const handover = useLoad(
    () =>
      changeApi.handover(episodeId).catch((e: unknown) => {
        if (e instanceof ApiError && e.status === 404) return null;
        throw e;
      }),
    [episodeId],
  );
  if (!handover.data && !handover.error) return null;
  return (
    <section class="card card--accent handover-card" aria-labelledby="handover-heading">
      <h2 id="handover-heading">Handover</h2>
      {handover.error && <Alert>The handover could not be loaded: {handover.error.message}</Alert>}
      {handover.data && (
        <>
          <p>
            {handover.data.client_name} comes to you from {handover.data.from_therapist_name}. Before anything was handed over,{' '}
            {handover.data.client_name} looked over what would be shared and chose what to share. Only that is here; nothing else of it was kept.
          </p>
          <PacketAbout packet={handover.data} forClient={false} />
          <SharedSections packet={handover.data} forClient={false} level={3} />
        </>
      )}
    </section>
  );
}

type Destination = 'colleague' | 'outside';

// Referring the client on, from their open episode. A referral already under way (one this person
// made) is shown instead of the form.
export function ReferralCard({ episodeId, clientName, therapistId }: { episodeId: number; clientName: string; therapistId?: number }) {
  const mine = useLoad(() => changeApi.list().catch(() => [] as TherapistChange[]), [episodeId]);
  const [made, setMade] = useState<TherapistChange>();
  const [writing, setWriting] = useState(false);
  const underWay = made ?? (mine.data ?? []).find((c) => c.episode_id === episodeId && isOpen(c.status));
  const startRef = useRef<HTMLButtonElement>(null);
  const madeRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (made) madeRef.current?.focus();
  }, [made]);
  return (
    <section class="card" aria-labelledby="referral-heading">
      <h2 id="referral-heading">Referring on</h2>
      {made ? (
        <div ref={madeRef} tabIndex={-1}>
          <Alert kind="success">
            <p>
              The referral is on its way. {clientName} will look over what would be shared and choose; nothing goes across before they agree, and the
              clinic’s intake coordinator then arranges the rest.
            </p>
          </Alert>
        </div>
      ) : null}
      {underWay ? (
        <>
          {!made && (
            <p>
              A referral of {clientName} is under way: {staffStatusWords(underWay).toLowerCase()}.
            </p>
          )}
          <p>
            <a href={`/therapist-changes/${underWay.id}`}>The referral</a>
          </p>
        </>
      ) : writing ? (
        <ReferralForm
          episodeId={episodeId}
          clientName={clientName}
          therapistId={therapistId}
          onSent={(c) => {
            setWriting(false);
            setMade(c);
          }}
          onCancel={() => {
            setWriting(false);
            setTimeout(() => startRef.current?.focus(), 0);
          }}
        />
      ) : (
        <>
          <p class="muted small">
            When a colleague in the clinic, or care outside it, would suit {clientName} better. {clientName} looks over what would be shared and chooses
            before anything goes across.
          </p>
          <button class="button" type="button" ref={startRef} onClick={() => setWriting(true)}>
            Refer to another therapist…
          </button>
        </>
      )}
    </section>
  );
}

function ReferralForm(props: {
  episodeId: number;
  clientName: string;
  therapistId?: number;
  onSent: (c: TherapistChange) => void;
  onCancel: () => void;
}) {
  const therapists = useLoad(() => changeApi.therapists(), []);
  const [to, setTo] = useState<Destination>('colleague');
  const [colleague, setColleague] = useState('');
  const [outside, setOutside] = useState('');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  useEffect(() => {
    formRef.current?.querySelector<HTMLElement>('input[type="radio"]:checked')?.focus();
  }, []);
  useEffect(() => {
    if (error?.fields.length) formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [error]);
  const at = (field: string) => error?.fieldMessage(field);
  const colleagues = (therapists.data ?? []).filter((t) => t.id !== props.therapistId);

  async function submit(e: Event) {
    e.preventDefault();
    if (busy) return;
    const local: { field: string; message: string }[] = [];
    if (!reason.trim()) local.push({ field: 'reason', message: 'Write why you are referring.' });
    if (to === 'outside' && !outside.trim()) local.push({ field: 'to_outside', message: 'Say where you are referring to.' });
    if (local.length) {
      setError(new ApiError(400, 'Please correct the fields marked below.', local));
      return;
    }
    const body: ReferralInput = { reason };
    if (to === 'outside') body.to_outside = outside;
    else if (colleague) body.to_therapist_id = Number(colleague);
    setBusy(true);
    setError(undefined);
    try {
      props.onSent(await changeApi.refer(props.episodeId, body));
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, String(err)));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form ref={formRef} class="form" onSubmit={submit} noValidate>
      <FormErrorSummary error={error} fields={['reason', 'to_therapist_id', 'to_outside']} />
      <RadioGroup
        legend="Refer to"
        name="refer-to"
        value={to}
        options={[
          { value: 'colleague', label: 'A colleague in the clinic' },
          { value: 'outside', label: 'Care outside the clinic' },
        ]}
        onChange={(v: Destination) => setTo(v)}
      />
      {to === 'colleague' ? (
        <>
          {therapists.loading && !therapists.data && <Loading what="your colleagues" />}
          {therapists.error && <Alert>{therapists.error.message}</Alert>}
          <SelectField
            label="Colleague"
            name="to_therapist_id"
            value={colleague}
            onInput={setColleague}
            hint="Or leave it to the clinic’s intake coordinator to choose."
            options={[{ value: '', label: 'Whoever the intake coordinator chooses' }, ...colleagues.map((t) => ({ value: String(t.id), label: t.display_name }))]}
            error={at('to_therapist_id')}
          />
        </>
      ) : (
        <Field
          label="Where to"
          name="to_outside"
          hint="The service or person, and how to reach them."
          required
          autoComplete="off"
          value={outside}
          onInput={setOutside}
          error={at('to_outside')}
        />
      )}
      <TextAreaField
        label="Reason"
        name="reason"
        hint={`${props.clientName} reads this when they look over what would be shared, so write it for them.`}
        required
        rows={4}
        value={reason}
        onInput={setReason}
        error={at('reason')}
      />
      <div class="actions">
        <button class="button button--primary" type="submit" aria-disabled={busy ? 'true' : undefined}>
          {busy ? 'Sending…' : 'Send the referral'}
        </button>
        <button class="button button--quiet" type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
