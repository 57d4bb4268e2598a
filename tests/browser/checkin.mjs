// Helpers for the client's check-in in the browser: the therapist's side (the demo client's open
// episode, asking the whole check-in at every session, booking a session) and the client's form
// (clearing a draft, and where the phone's stepper is).

import assert from 'node:assert/strict';
import { callApi, kDemo } from './harness.mjs';

// The open episode of the demo client, as their therapist (signed in on `therapist`) sees it.
export async function clientEpisodeId(therapist) {
  const board = await callApi(therapist, 'GET', '/dashboard');
  const clients = await callApi(therapist, 'GET', '/clients');
  const client = clients.body.find((c) => c.email === kDemo.client);
  const row = board.body.clients.find((c) => c.client_id === client?.id);
  assert.ok(row, `the demo client on the therapist's dashboard: ${JSON.stringify(board.body)}`);
  return row.episode_id;
}

// PHQ-9 and GAD-7 are asked every two weeks by default, and the demo client answered them lately:
// as the therapist, ask them at every session, so that a session booked by a test asks the whole
// check-in (PHQ-9 and its item 9 included; the Rapport Check is asked at every session anyway).
export async function askWholeCheckInEverySession(therapist, episodeId) {
  for (const code of ['PHQ-9', 'GAD-7']) {
    const r = await callApi(therapist, 'PUT', `/episodes/${episodeId}/instruments/${code}`, {
      respondent: 'client',
      schedule: { every_sessions: 1 },
    });
    assert.equal(r.status, 200, `${code} every session: ${JSON.stringify(r.body)}`);
  }
}

// A video session of the demo client's starting `offsetMs` from now, booked by the therapist;
// returns the created appointment.
export async function bookSession(therapist, episodeId, offsetMs, minutes) {
  const r = await callApi(therapist, 'POST', `/episodes/${episodeId}/appointments`, {
    starts_at: new Date(Date.now() + offsetMs).toISOString(),
    duration_minutes: minutes,
    modality: 'video',
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

// Answers given and not sent are kept as a draft of the client's, which the form restores: a test
// that wants the form fresh clears it first (an empty draft is none).
export async function clearDraft(client) {
  const me = (await callApi(client, 'GET', '/me')).body;
  const record = (await callApi(client, 'GET', `/clients/${me.user.id}`)).body;
  for (const episode of record.episodes.filter((e) => !e.ended_at)) {
    const r = await callApi(client, 'PUT', `/episodes/${episode.id}/feedback-draft`, { answers: {} });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
}

// Where the phone's stepper is, as its progress bar is named: "Question 3 of 25", or the last
// screen's "Last step: send".
export async function stepName(form) {
  return form.getByRole('progressbar').evaluate((bar) => document.getElementById(bar.getAttribute('aria-labelledby')).textContent.trim());
}

// Waits until the stepper has left the screen it was on.
export async function leftStep(form, from) {
  await form.page().waitForFunction(
    (from) => {
      const bar = document.querySelector('form.feedback-form [role="progressbar"], form.feedback-form progress');
      const label = bar && document.getElementById(bar.getAttribute('aria-labelledby'));
      return !label || label.textContent.trim() !== from;
    },
    from,
  );
}

// Waits until the client's draft on the server holds `value` for `key`.
export async function draftHolds(page, key, value) {
  for (let i = 0; i < 100; i++) {
    const held = await page.evaluate(async (key) => {
      const me = await (await fetch('/api/v1/me')).json();
      const client = await (await fetch(`/api/v1/clients/${me.user.id}`)).json();
      const episode = client.episodes.find((e) => !e.ended_at);
      const r = await fetch(`/api/v1/episodes/${episode.id}/feedback-draft`);
      return r.ok ? (await r.json()).answers?.[key] : undefined;
    }, key);
    if (held === value) return;
    await page.waitForTimeout(100);
  }
  assert.fail(`the draft never held ${key} = ${value}`);
}
