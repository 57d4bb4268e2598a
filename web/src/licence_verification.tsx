// An admin's check of a therapist's licence, beside the therapist in the list of people: the
// number and where it holds, whether and when the clinic checked it, and the button that records
// today's check (or withdraws it). Clients are told only that it was checked.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api';
import { formatDate } from './format';
import { isStaffOffer, matchingApi, type TherapistOffer } from './matching_api';
import { kJurisdictions, nameOf } from './matching_words';
import { Alert } from './ui';

// The clinic's offers as staff see them, by therapist: one request for the whole list of people.
export async function staffOffers(): Promise<Map<number, TherapistOffer>> {
  const { offers } = await matchingApi.offers();
  return new Map(offers.filter(isStaffOffer).map((o) => [o.therapist_id, o]));
}

// `loaded`: the therapist's offer from staffOffers(); undefined while the list loads.
export function LicenceVerification({ therapistId, name, loaded }: { therapistId: number; name: string; loaded?: TherapistOffer }) {
  // The offer as the latest check or withdrawal left it, else as loaded.
  const [changed, setChanged] = useState<TherapistOffer>();
  const offer = changed ?? loaded;
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const status = useRef<HTMLParagraphElement>(null);
  // After a check is recorded or withdrawn, the new state takes focus and is read out.
  useEffect(() => {
    if (changed) status.current?.focus();
  }, [changed]);

  async function verify(verified: boolean) {
    setBusy(true);
    setError(undefined);
    try {
      setChanged(await matchingApi.verifyLicence(therapistId, verified));
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  if (!offer) return null;
  const profileLink = (
    <a href={`/therapists/${therapistId}/profile`}>
      Profile<span class="visually-hidden"> of {name}</span>
    </a>
  );
  // Nothing written yet: no licence to check, and nothing a match could suggest.
  if (!offer.updated_at) return <p class="small muted">No profile yet, so not suggested to clients. {profileLink}</p>;
  const verifiedAt = offer.licence_verified_at;
  return (
    <div class="licence">
      <p class="small" tabIndex={-1} ref={status}>
        Licence {offer.licence_number || '(no number given)'}
        {offer.jurisdiction ? `, ${nameOf(kJurisdictions, offer.jurisdiction)}` : ''}:{' '}
        {verifiedAt ? <strong>checked on {formatDate(verifiedAt)}</strong> : <strong>not checked yet</strong>}. {profileLink}
      </p>
      {error && <Alert>{error}</Alert>}
      <div class="actions">
        <button class="button button--small" type="button" disabled={busy || !offer.licence_number} onClick={() => void verify(true)}>
          {verifiedAt ? 'Verify licence again' : 'Verify licence'}
          <span class="visually-hidden"> of {name}</span>
        </button>
        {verifiedAt && (
          <button class="button button--small button--quiet" type="button" disabled={busy} onClick={() => void verify(false)}>
            Withdraw the check<span class="visually-hidden"> of {name}’s licence</span>
          </button>
        )}
      </div>
    </div>
  );
}
