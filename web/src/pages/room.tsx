// The session room of a video, phone or typed appointment (/appointments/{id}/room): when the
// room opens and with whom; a device check (camera preview, microphone level, a test sound, the
// connection); the waiting room and admission; the call, peer to peer; the typed chat; the
// rapport signals with each person's consent; the therapist's live strip; the client's
// in-the-moment reactions; and, at the end, the therapist's summary or a kind closing word.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, asksBeforeSession, instrumentValidation } from '../api';
import { firstName, formatDateTime, modalityLabel } from '../format';
import type { AppContext } from '../main';
import { setLeaveGuard } from '../router';
import { Alert, Loading, PageTitle, useLoad } from '../ui';
import { probeSocket } from '../room/connection';
import { RoomController, type JoinMode, type RemoteView, type RoomView } from '../room/controller';
import { kVoiceDbfs } from '../room/features';
import {
  analyserBuffer,
  emptyMedia,
  levelDbfs,
  openDevices,
  playQuietly,
  playTestSound,
  stopMedia,
  watchFirstFrame,
  type DeviceTrouble,
  type LocalMedia,
} from '../room/media';
import { isInPerson, isTyped, roomApi, roomSocketUrl, type RoomMember, type RoomPass, type SessionSummary } from '../room/room_api';
import { SessionSummaryLines, loadSessionSummary } from '../room/session_summary';
import { clockTime, reactionWords, signalsWords, stripMovement, stripTalk } from '../room/words';

const kChatLimitBytes = 4000;

function otherName(pass: RoomPass): string {
  if (pass.part === 'therapist') return pass.client.name;
  return pass.therapist.name;
}

function pageTitle(pass: RoomPass): string {
  if (pass.part === 'guardian') return `Session for ${firstName(pass.client.name)} with ${pass.therapist.name}`;
  return `Session with ${otherName(pass)}`;
}

function AppointmentLine({ pass }: { pass: RoomPass }) {
  const a = pass.appointment;
  return (
    <p class="lede room-when">
      {modalityLabel(a.modality)} · {formatDateTime(a.starts_at)} · {a.duration_minutes} minutes
    </p>
  );
}

export function RoomPage({ ctx, appointmentId }: { ctx: AppContext; appointmentId: number }) {
  const room = useLoad(() => roomApi.room(appointmentId), [appointmentId]);
  if (room.loading && !room.data) {
    return (
      <div class="page narrow-page">
        <PageTitle title="Session room">Session room</PageTitle>
        <Loading what="the session room" />
      </div>
    );
  }
  if (room.error || !room.data) return <RoomRefused error={room.error} />;
  const pass = room.data;
  if (isInPerson(pass.appointment.modality)) {
    return (
      <div class="page narrow-page">
        <PageTitle title="Session room">{pageTitle(pass)}</PageTitle>
        <AppointmentLine pass={pass} />
        <Alert kind="info">This appointment is in person, so it has no session room.</Alert>
      </div>
    );
  }
  if (!pass.open) return <RoomClosed pass={pass} recheck={room.reload} />;
  return <OpenRoom ctx={ctx} pass={pass} />;
}

// Someone who may not open this room, or a room that cannot be found.
function RoomRefused({ error }: { error?: ApiError }) {
  const status = error?.status ?? 0;
  let words: string;
  if (status === 404 || status === 403) {
    words = 'This session room is not one you can open. If you were expecting to join a session here, please contact the clinic.';
  } else if (status === 412 || status === 409) {
    words = error?.message || 'You have not been invited to this session.';
  } else if (status === 0) {
    words = 'The server could not be reached. Check your connection and try again.';
  } else {
    words = error?.message || 'The session room could not be opened.';
  }
  return (
    <div class="page narrow-page">
      <PageTitle title="Session room">Session room</PageTitle>
      <div class="alert alert--info" role="alert">
        <p>{words}</p>
      </div>
      <p>
        <a href="/">Back to your home page</a>
      </p>
    </div>
  );
}

// Not open now: why, and when it opens. The page looks again by itself when the time comes.
function RoomClosed({ pass, recheck }: { pass: RoomPass; recheck: () => void }) {
  const opensAt = Date.parse(pass.opens_at);
  const notYet = Number.isFinite(opensAt) && opensAt > Date.now();
  useEffect(() => {
    if (!notYet) return;
    const wait = opensAt - Date.now() + 1000;
    if (wait > 6 * 3600_000) return;
    const timer = setTimeout(recheck, wait);
    return () => clearTimeout(timer);
  }, [opensAt, notYet, recheck]);
  return (
    <div class="page narrow-page">
      <PageTitle title="Session room">{pageTitle(pass)}</PageTitle>
      <AppointmentLine pass={pass} />
      <section class="card card--accent" aria-labelledby="closed-heading">
        <h2 id="closed-heading">The room is not open</h2>
        <p>{pass.closed_reason ?? 'The session room is not open just now.'}</p>
        {notYet && <p>It opens at {formatDateTime(pass.opens_at)}. This page will open it by itself then.</p>}
        <button class="button" type="button" onClick={recheck}>
          Check again
        </button>
      </section>
    </div>
  );
}

// --- The open room ---------------------------------------------------------------------------

function OpenRoom({ ctx, pass }: { ctx: AppContext; pass: RoomPass }) {
  const typed = isTyped(pass.appointment.modality);
  const mediaRef = useRef<LocalMedia | null>(null);
  const [controller, setController] = useState<RoomController | null>(null);
  // Whatever happens, the camera and microphone are let go when the page goes.
  useEffect(
    () => () => {
      if (mediaRef.current) stopMedia(mediaRef.current);
    },
    [],
  );
  useEffect(() => {
    if (!controller) return;
    return () => controller.dispose();
  }, [controller]);
  const join = (media: LocalMedia, mode: JoinMode) => {
    mediaRef.current = media;
    if (mode !== 'video' && media.video) {
      // Sound only, or typed only: the camera goes off (its light too).
      media.video.stop();
      media.stream?.removeTrack(media.video);
      media.video = null;
    }
    if (mode === 'typed' && media.audio) {
      media.audio.stop();
      media.stream?.removeTrack(media.audio);
      media.audio = null;
    }
    const c = new RoomController(pass, media, mode);
    setController(c);
    c.join();
  };
  const rejoin = () => {
    const media = mediaRef.current;
    if (!controller || !media) return;
    const c = new RoomController(pass, media, controller.mode);
    setController(c);
    c.join();
  };
  return (
    <div class="page room-page">
      <PageTitle title="Session room">{pageTitle(pass)}</PageTitle>
      <AppointmentLine pass={pass} />
      {!controller &&
        (typed ? (
          <TypedStart pass={pass} onJoin={() => join(mediaRef.current ?? emptyMedia(), 'typed')} />
        ) : (
          <DeviceCheck pass={pass} onJoin={join} />
        ))}
      {controller && <LiveRoom ctx={ctx} controller={controller} rejoin={rejoin} />}
    </div>
  );
}

function TypedStart({ pass, onJoin }: { pass: RoomPass; onJoin: () => void }) {
  return (
    <section class="card card--accent narrow-card" aria-labelledby="join-heading">
      <h2 id="join-heading">A typed session</h2>
      <p>
        You and {pass.part === 'therapist' ? firstName(pass.client.name) : 'your therapist'} write to each other here. No camera or microphone is
        used.
      </p>
      <button class="button button--primary button--block" type="button" onClick={onJoin}>
        Join the session
      </button>
    </section>
  );
}

// --- Device check ------------------------------------------------------------------------------

function troubleWords(device: 'camera' | 'microphone', trouble: DeviceTrouble): string {
  switch (trouble) {
    case 'refused':
      return `This browser is not allowed to use your ${device}. You can allow it in the browser's site settings (often the lock or camera symbol beside the address), then press "Check again".`;
    case 'missing':
      return `No ${device} was found on this device.`;
    case 'busy':
      return `Your ${device} is being used by another app or window. Close that, then press "Check again".`;
    default:
      return `Your ${device} could not be started.`;
  }
}

type Probe = 'checking' | 'ok' | 'failed';

function DeviceCheck({ pass, onJoin }: { pass: RoomPass; onJoin: (media: LocalMedia, mode: JoinMode) => void }) {
  const video = pass.appointment.modality === 'video';
  const [media, setMedia] = useState<LocalMedia | null>(null);
  const [asking, setAsking] = useState(0);
  const [socketProbe, setSocketProbe] = useState<Probe>('checking');
  const [relayProbe, setRelayProbe] = useState<Probe | 'none'>('none');
  const [level, setLevel] = useState(0);
  const [heard, setHeard] = useState(false);
  const [playing, setPlaying] = useState(false);
  const previewRef = useRef<HTMLVideoElement>(null);
  const handedOver = useRef(false);

  // The devices: asked for once (and again only when the person presses "Check again").
  useEffect(() => {
    let live = true;
    let opened: LocalMedia | null = null;
    void openDevices(video).then((m) => {
      opened = m;
      if (live) setMedia(m);
      else stopMedia(m);
    });
    return () => {
      live = false;
      if (opened && !handedOver.current) stopMedia(opened);
    };
  }, [video, asking]);

  // The connection: the room socket opens, and the clinic's relay answers when there is one.
  useEffect(() => {
    let live = true;
    void probeSocket(roomSocketUrl(pass.appointment.id)).then((ok) => live && setSocketProbe(ok ? 'ok' : 'failed'));
    const turn = pass.ice.ice_servers.some((s) => [s.urls].flat().some((u) => /^turns?:/.test(u)));
    if (turn) {
      setRelayProbe('checking');
      void probeRelay(pass).then((ok) => live && setRelayProbe(ok ? 'ok' : 'failed'));
    }
    return () => {
      live = false;
    };
  }, [pass]);

  // The camera preview, and when its first frame came.
  useEffect(() => {
    const el = previewRef.current;
    if (!el || !media?.video || !media.stream) return;
    el.srcObject = new MediaStream([media.video]);
    void playQuietly(el);
    return watchFirstFrame(el, media, () => undefined);
  }, [media]);

  // The microphone level, ten times a second.
  useEffect(() => {
    const analyser = media?.analyser;
    if (!analyser) return;
    const buffer = analyserBuffer(analyser);
    const timer = setInterval(() => {
      const db = levelDbfs(analyser, buffer);
      setLevel(Math.max(0, Math.min(1, (db + 70) / 60)));
      if (db > kVoiceDbfs + 5) setHeard(true);
    }, 100);
    return () => clearInterval(timer);
  }, [media]);

  const testSound = async () => {
    setPlaying(true);
    await playTestSound(media?.audioContext ?? null);
    setPlaying(false);
  };

  const join = (mode: JoinMode) => {
    if (!media) return;
    handedOver.current = true;
    onJoin(media, mode);
  };

  const camera = media?.video ? 'ok' : media?.cameraTrouble;
  const microphone = media?.audio ? 'ok' : media?.microphoneTrouble;
  const canVideo = !!media?.video && !!media.audio;
  const canAudio = !!media?.audio;
  const other = pass.part === 'therapist' ? firstName(pass.client.name) : 'your therapist';
  return (
    <section class="card card--accent device-check" aria-labelledby="check-heading">
      <h2 id="check-heading">Before you join</h2>
      <p>A quick check that {other} will see and hear you. Nothing is recorded.</p>
      {!media && (
        <p role="status" class="loading">
          Asking your browser for the {video ? 'camera and microphone' : 'microphone'}…
        </p>
      )}
      {media && (
        <div class="device-check__grid">
          {video && (
            <div class="device">
              <h3>Camera</h3>
              {media.video ? (
                <video ref={previewRef} class="self-preview" muted playsInline aria-label="Your camera preview (only you see this)" />
              ) : (
                <p class="device__problem">{troubleWords('camera', camera as DeviceTrouble)}</p>
              )}
            </div>
          )}
          <div class="device">
            <h3>Microphone</h3>
            {media.audio ? (
              <>
                <label for="mic-level">Microphone level</label>
                <meter id="mic-level" class="level" min={0} max={1} low={0.25} high={0.9} optimum={0.5} value={level}>
                  {Math.round(level * 100)} %
                </meter>
                <p class="small" role="status">
                  {heard ? 'We can hear you.' : 'Say something: the bar moves when we hear you.'}
                </p>
              </>
            ) : (
              <p class="device__problem">{troubleWords('microphone', microphone as DeviceTrouble)}</p>
            )}
          </div>
          <div class="device">
            <h3>Speakers</h3>
            <button class="button" type="button" onClick={() => void testSound()} disabled={playing}>
              {playing ? 'Playing…' : 'Play a test sound'}
            </button>
            <p class="small muted">You should hear a soft chime. If not, turn the volume up or plug in your headphones.</p>
          </div>
          <div class="device">
            <h3>Connection</h3>
            <p class="small" role="status">
              {socketProbe === 'checking'
                ? 'Checking the connection…'
                : socketProbe === 'ok'
                  ? 'The session room can be reached.'
                  : 'The session room could not be reached. Check your internet connection; you can still try to join.'}
              {relayProbe === 'ok' && ' The clinic’s relay is ready.'}
              {relayProbe === 'failed' && ' The clinic’s relay did not answer, so the call may not connect from some networks.'}
            </p>
          </div>
        </div>
      )}
      {media && (
        <div class="actions device-check__actions">
          {video && canVideo && (
            <button class="button button--primary" type="button" onClick={() => join('video')}>
              Join the session
            </button>
          )}
          {(!video || !canVideo) && canAudio && (
            <button class="button button--primary" type="button" onClick={() => join('audio')}>
              Join the session{video ? ' with sound only' : ''}
            </button>
          )}
          {video && canVideo && (
            <button class="button" type="button" onClick={() => join('audio')}>
              Join with sound only
            </button>
          )}
          <button class={canAudio ? 'button button--quiet' : 'button button--primary'} type="button" onClick={() => join('typed')}>
            Join with typed chat only
          </button>
          {(!media.audio || (video && !media.video)) && (
            <button
              class="button"
              type="button"
              onClick={() => {
                stopMedia(media);
                setMedia(null);
                setHeard(false);
                setAsking((n) => n + 1);
              }}
            >
              Check again
            </button>
          )}
        </div>
      )}
    </section>
  );
}

// Gathers candidates through the room's TURN servers for a moment: true once a relay answers.
async function probeRelay(pass: RoomPass): Promise<boolean> {
  const pc = new RTCPeerConnection({ iceServers: pass.ice.ice_servers, iceTransportPolicy: 'relay' });
  try {
    pc.createDataChannel('probe');
    const found = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 6000);
      pc.onicecandidate = ({ candidate }) => {
        if (candidate && / typ relay /.test(candidate.candidate)) {
          clearTimeout(timer);
          resolve(true);
        } else if (!candidate) {
          clearTimeout(timer);
          resolve(false);
        }
      };
    });
    await pc.setLocalDescription(await pc.createOffer());
    return await found;
  } catch {
    return false;
  } finally {
    pc.close();
  }
}

// --- The live room -----------------------------------------------------------------------------

function useView(controller: RoomController): RoomView {
  const [view, setView] = useState(controller.view);
  useEffect(() => {
    setView(controller.view);
    return controller.subscribe(() => setView(controller.view));
  }, [controller]);
  return view;
}

function connectionWords(r: RemoteView): string {
  if (r.away) return `${firstName(r.name)}’s connection dropped. They can come straight back in.`;
  switch (r.state) {
    case 'connected':
      return r.route === 'relay' ? 'Connected through the clinic’s relay' : r.route === 'direct' ? 'Connected directly' : 'Connected';
    case 'disconnected':
      return 'The connection is interrupted; trying again…';
    case 'failed':
      return 'The connection was lost; trying again…';
    case 'closed':
      return 'Not connected';
    default:
      return 'Connecting…';
  }
}

function statusWords(view: RoomView, pass: RoomPass): string {
  const therapist = pass.part === 'therapist';
  switch (view.phase) {
    case 'connecting':
      return view.retryInMs ? 'Still trying to reach the session room…' : 'Connecting to the session room…';
    case 'reconnecting':
      return 'Reconnecting…';
    case 'waiting':
      return 'Your therapist will let you in shortly.';
    case 'ended':
      return 'The session has ended.';
    case 'left':
      return 'You left the session room.';
    case 'replaced':
      return 'The session room was opened in another window or on another device, so it closed here.';
    case 'in': {
      const waiting = view.members.filter((m) => m.presence === 'waiting' && m.connected);
      if (therapist && waiting.length > 0) return `${waiting.map((m) => m.name).join(' and ')} ${waiting.length === 1 ? 'is' : 'are'} waiting to come in.`;
      const connected = view.remotes.filter((r) => r.state === 'connected' && !r.away);
      if (connected.length > 0) return `In the session with ${connected.map((r) => r.name).join(' and ')}.`;
      const others = view.members.filter((m) => m.id !== view.you?.id && m.presence === 'admitted' && m.connected);
      if (others.length > 0) return `In the session room with ${others.map((m) => m.name).join(' and ')}.`;
      return therapist ? `You are in the room. ${firstName(pass.client.name)} is not here yet.` : 'You are in the room. Your therapist is not here just now.';
    }
  }
}

function LiveRoom({ ctx, controller, rejoin }: { ctx: AppContext; controller: RoomController; rejoin: () => void }) {
  const view = useView(controller);
  const pass = controller.pass;
  const inRoom = view.phase === 'in' || view.phase === 'reconnecting' || view.phase === 'waiting' || view.phase === 'connecting';
  useEffect(() => {
    if (!inRoom) return;
    setLeaveGuard(() => window.confirm('Leave the session room? The call ends for you.'));
    return () => setLeaveGuard(null);
  }, [inRoom]);
  const status = statusWords(view, pass);
  return (
    <>
      <div class="room-status" role="status" aria-live="polite">
        <p>{status}</p>
      </div>
      {view.notice && <Alert>{view.notice}</Alert>}
      {view.phase === 'ended' &&
        (pass.part === 'therapist' ? <SummaryView pass={pass} /> : <ClosingView ctx={ctx} pass={pass} />)}
      {view.phase === 'left' && (
        <section class="card narrow-card" aria-labelledby="left-heading">
          <h2 id="left-heading">You left the session</h2>
          <p>You can go back in while the room is open.</p>
          <button class="button button--primary" type="button" onClick={rejoin}>
            Go back in
          </button>
        </section>
      )}
      {view.phase === 'replaced' && (
        <section class="card narrow-card" aria-labelledby="replaced-heading">
          <h2 id="replaced-heading">Opened somewhere else</h2>
          <p>You opened this session room in another window or on another device, so it closed here. Nothing is lost.</p>
          <button class="button" type="button" onClick={rejoin}>
            Use it here instead
          </button>
        </section>
      )}
      {view.phase === 'connecting' && !view.everConnected && view.retryInMs !== undefined && (
        <Alert kind="info">The session room cannot be reached just now. This page keeps trying.</Alert>
      )}
      {inRoom && view.everConnected && <RoomBody controller={controller} view={view} />}
    </>
  );
}

function RoomBody({ controller, view }: { controller: RoomController; view: RoomView }) {
  const pass = controller.pass;
  const part = pass.part;
  const typed = isTyped(pass.appointment.modality);
  const waiting = view.phase === 'waiting' || view.you?.presence === 'waiting';
  return (
    <div class={typed ? 'room room--typed' : 'room'}>
      {!typed && <CallArea controller={controller} view={view} waiting={waiting} />}
      <div class="room__side">
        {part === 'therapist' && <WaitingList controller={controller} view={view} />}
        {part === 'therapist' && <InviteGuardian pass={pass} />}
        {!waiting && <ChatPanel controller={controller} view={view} />}
        {waiting && (
          <section class="card" aria-labelledby="waiting-heading">
            <h2 id="waiting-heading">In the waiting room</h2>
            <p>Your therapist will let you in shortly. You can stay on this page; it moves on by itself.</p>
          </section>
        )}
        {!waiting && part === 'client' && <Reactions controller={controller} view={view} />}
        {part === 'therapist' && <ClientReactions view={view} pass={pass} />}
        {!waiting && <SignalsPanel controller={controller} view={view} />}
        <EndControls controller={controller} view={view} />
      </div>
    </div>
  );
}

// --- The call ------------------------------------------------------------------------------------

function CallArea({ controller, view, waiting }: { controller: RoomController; view: RoomView; waiting: boolean }) {
  const pass = controller.pass;
  const video = pass.appointment.modality === 'video';
  const selfRef = useRef<HTMLVideoElement>(null);
  const sendsVideo = video && controller.mode === 'video' && !!controller.media.video;
  useEffect(() => {
    const el = selfRef.current;
    controller.setLocalVideo(el);
    if (!el || !controller.media.video) return;
    el.srcObject = new MediaStream([controller.media.video]);
    void playQuietly(el);
    // Normally noted already in the device check; if not, here.
    return watchFirstFrame(el, controller.media, () => controller.frameNoted());
  }, [controller, sendsVideo]);
  const live = view.remotes.find((r) => r.state === 'connected' && !r.away) ?? view.remotes[0];
  return (
    <section
      class={video ? 'card room__call' : 'card room__call room__call--audio'}
      aria-labelledby="call-heading"
      data-connection={live?.state ?? 'none'}
      data-route={live?.state === 'connected' ? (live.route ?? undefined) : undefined}
    >
      <h2 id="call-heading" class="visually-hidden">
        Call
      </h2>
      <div class="tiles">
        {view.remotes.map((r) => (
          <RemoteTile key={r.id} remote={r} video={video} />
        ))}
        {view.remotes.length === 0 && !waiting && (
          <p class="tile tile--empty muted">
            {pass.part === 'therapist' ? `${firstName(pass.client.name)} will appear here once you let them in.` : 'Your therapist will appear here.'}
          </p>
        )}
        {sendsVideo && (
          <figure class="tile tile--self">
            <video
              ref={selfRef}
              class="self-view"
              muted
              playsInline
              aria-label="Your camera (only you see this small picture)"
              data-first-frame-at={view.firstFrameAt ?? undefined}
            />
            <figcaption class="small">{view.cameraOn ? 'You' : 'You · camera off'}</figcaption>
          </figure>
        )}
      </div>
      {view.videoPaused && (
        <div class="alert alert--info video-paused">
          <p>Video paused to keep the sound clear. The connection is too slow for both just now.</p>
          <button class="button button--small" type="button" onClick={() => controller.tryVideoAgain()}>
            Try video again
          </button>
        </div>
      )}
      {!waiting && (
        <div class="actions call-controls">
          {controller.media.audio && (
            <button class="button" type="button" aria-pressed={!view.microphoneOn} onClick={() => controller.setMicrophone(!view.microphoneOn)}>
              {view.microphoneOn ? 'Mute microphone' : 'Microphone muted: turn on'}
            </button>
          )}
          {sendsVideo && (
            <button class="button" type="button" aria-pressed={!view.cameraOn} onClick={() => controller.setCamera(!view.cameraOn)}>
              {view.cameraOn ? 'Turn camera off' : 'Camera off: turn on'}
            </button>
          )}
        </div>
      )}
    </section>
  );
}

function RemoteTile({ remote, video }: { remote: RemoteView; video: boolean }) {
  const ref = useRef<HTMLVideoElement & HTMLAudioElement>(null);
  const [blocked, setBlocked] = useState(false);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (el.srcObject !== remote.stream) el.srcObject = remote.stream;
    void playQuietly(el).then((ok) => setBlocked(!ok && remote.stream.getTracks().length > 0));
  }, [remote.stream]);
  const words = connectionWords(remote);
  const hasVideo = video && remote.stream.getVideoTracks().some((t) => t.readyState === 'live');
  return (
    <figure class={`tile tile--remote${hasVideo ? '' : ' tile--voice'}`} data-peer-state={remote.state}>
      {video ? (
        <video ref={ref} class="remote-view" playsInline aria-label={`Video of ${remote.name}`} />
      ) : (
        <audio ref={ref} aria-label={`Sound of ${remote.name}`} />
      )}
      <figcaption>
        <span class="tile__name">{remote.name}</span> <span class="small">· {words}</span>
      </figcaption>
      {blocked && (
        <button
          class="button button--small"
          type="button"
          onClick={() => {
            if (ref.current) void playQuietly(ref.current).then((ok) => setBlocked(!ok));
          }}
        >
          Start sound and video
        </button>
      )}
    </figure>
  );
}

// --- The therapist's waiting list and guests ---------------------------------------------------------

function WaitingList({ controller, view }: { controller: RoomController; view: RoomView }) {
  const waiting = view.members.filter((m) => m.presence === 'waiting' && m.connected);
  if (waiting.length === 0) return null;
  return (
    <section class="card card--accent" aria-labelledby="waiting-list-heading">
      <h2 id="waiting-list-heading">Waiting to come in</h2>
      <ul class="plain-list waiting-list">
        {waiting.map((m: RoomMember) => (
          <li key={m.id}>
            <span>
              {m.name}
              {m.part === 'guardian' ? ' (guardian)' : ''}
            </span>
            <button class="button button--primary" type="button" onClick={() => controller.admit(m.id)}>
              Let {m.name} in
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

function InviteGuardian({ pass }: { pass: RoomPass }) {
  const guardians = useLoad(async () => {
    const client = await api.client(pass.client.id).catch(() => undefined);
    return (client?.guardians ?? []).filter((g) => g.status === 'active' && g.guardian_id !== null);
  }, [pass.client.id]);
  const [invited, setInvited] = useState<Set<number>>(() => new Set(pass.guests.map((g) => g.guardian_id)));
  const [error, setError] = useState<string>();
  const list = guardians.data ?? [];
  if (list.length === 0) return null;
  const invite = async (id: number) => {
    setError(undefined);
    try {
      await roomApi.inviteGuardian(pass.appointment.id, id);
      setInvited((s) => new Set(s).add(id));
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
  };
  return (
    <section class="card" aria-labelledby="guests-heading">
      <h2 id="guests-heading">Guardians</h2>
      {error && <Alert>{error}</Alert>}
      <ul class="plain-list waiting-list">
        {list.map((g) => (
          <li key={g.id}>
            <span>{g.display_name}</span>
            {invited.has(g.guardian_id!) ? (
              <span class="muted small" role="status">
                Invited: they can open this room from their home page.
              </span>
            ) : (
              <button class="button" type="button" onClick={() => void invite(g.guardian_id!)}>
                Invite {g.display_name} to this session
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

// --- Chat ----------------------------------------------------------------------------------------

function ChatPanel({ controller, view }: { controller: RoomController; view: RoomView }) {
  const [text, setText] = useState('');
  const [error, setError] = useState<string>();
  const logRef = useRef<HTMLDivElement>(null);
  const typed = isTyped(controller.pass.appointment.modality);
  useEffect(() => {
    const el = logRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [view.chat.length]);
  const send = (e?: Event) => {
    e?.preventDefault();
    const message = text.trim();
    if (!message) {
      setError('Write a message first.');
      return;
    }
    if (new TextEncoder().encode(message).length > kChatLimitBytes) {
      setError('This message is too long to send in one go. Please split it into two.');
      return;
    }
    setError(undefined);
    if (controller.sendChat(message)) setText('');
  };
  return (
    <section class={typed ? 'card chat chat--main' : 'card chat'} aria-labelledby="chat-heading">
      <h2 id="chat-heading">Chat</h2>
      <div class="chat__log" ref={logRef} role="log" aria-live="polite" aria-labelledby="chat-heading" tabIndex={0}>
        {view.chat.length === 0 && <p class="muted small chat__empty">No messages yet.</p>}
        <ol class="chat__lines">
          {view.chat.map((line) => (
            <li key={line.key} class={line.mine ? 'chat__line chat__line--mine' : 'chat__line'}>
              <span class="chat__who">
                {line.mine ? 'You' : line.name} <span class="muted small">· {clockTime(line.at)}</span>
              </span>
              <span class="chat__text pre-line">{line.text}</span>
            </li>
          ))}
        </ol>
      </div>
      <form class="chat__form" onSubmit={send} noValidate>
        <div class={error ? 'field field--invalid' : 'field'}>
          <label for="chat-message">Your message</label>
          <textarea
            id="chat-message"
            rows={typed ? 3 : 2}
            value={text}
            aria-invalid={error ? 'true' : undefined}
            aria-describedby={error ? 'chat-error' : 'chat-hint'}
            onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) send(e);
            }}
          />
          {error ? (
            <p class="field-error" id="chat-error">
              {error}
            </p>
          ) : (
            <p class="hint" id="chat-hint">
              Enter sends; Shift+Enter starts a new line.
            </p>
          )}
        </div>
        <button class="button button--primary" type="submit">
          Send
        </button>
      </form>
    </section>
  );
}

// --- Rapport signals -------------------------------------------------------------------------------

function SignalsPanel({ controller, view }: { controller: RoomController; view: RoomView }) {
  const pass = controller.pass;
  const part = pass.part;
  const counts = part === 'therapist' || part === 'client';
  const typed = isTyped(pass.appointment.modality);
  const s = view.signals;
  const mine = counts ? (view.consentAsked ?? s?.consent[part as 'therapist' | 'client'] ?? false) : false;
  const paused = view.pauseAsked ?? !!s?.paused_by;
  const stripOn = view.stripAsked ?? !!s?.strip;
  const lines = signalsWords(s, part, pass.therapist.name, pass.client.name);
  return (
    <section class="card signals" aria-labelledby="signals-heading">
      <h2 id="signals-heading">Rapport signals</h2>
      {counts && (
        <details class="details-disclosure" open={!s?.consent.therapist || !s?.consent.client ? true : undefined}>
          <summary>What this is</summary>
          {typed ? (
            <p class="small">
              With both your agreement, Rapport notes how the conversation flows: how many messages each of you writes, how quickly you reply and how
              your writing styles match. Nothing you write is kept for this; only a short summary on this session.
            </p>
          ) : (
            <p class="small">
              With both your agreement, this device notes ten times a second how much you move and whether you are speaking. Only those numbers leave
              your device, never video or sound. You can pause at any time. What is kept: a short summary on this session.
            </p>
          )}
        </details>
      )}
      <div role="status" aria-live="polite" class="signals__state">
        {lines.map((l) => (
          <p key={l} class="small">
            {l}
          </p>
        ))}
        {view.signalsNote && <p class="small field-error">{view.signalsNote}</p>}
      </div>
      {counts && (
        <div class="check">
          <input
            id="signals-consent"
            type="checkbox"
            role="switch"
            checked={mine}
            aria-checked={mine ? 'true' : 'false'}
            onChange={(e) => controller.setConsent((e.currentTarget as HTMLInputElement).checked)}
          />
          <label for="signals-consent">I agree to rapport signals in this session</label>
        </div>
      )}
      {counts && (mine || paused) && (
        <button class="button" type="button" onClick={() => controller.setPaused(!paused)}>
          {paused ? 'Resume signals' : 'Pause signals'}
        </button>
      )}
      {part === 'therapist' && (
        <div class="check">
          <input
            id="strip-switch"
            type="checkbox"
            role="switch"
            checked={stripOn}
            aria-checked={stripOn ? 'true' : 'false'}
            aria-describedby="strip-hint"
            onChange={(e) => controller.setStrip((e.currentTarget as HTMLInputElement).checked)}
          />
          <label for="strip-switch">Show live strip</label>
          <p class="hint check__hint" id="strip-hint">
            {firstName(pass.client.name)} is told when it is on.
          </p>
        </div>
      )}
      {part === 'therapist' && s?.strip && <LiveStrip view={view} pass={pass} />}
    </section>
  );
}

function LiveStrip({ view, pass }: { view: RoomView; pass: RoomPass }) {
  const r = view.strip;
  const latest = view.reactions[0];
  return (
    <div class="strip" aria-label="Live strip" role="group">
      {r ? (
        <>
          <p class="strip__line">{stripMovement(r, pass.client.name)}</p>
          <p class="strip__line">{stripTalk(r, pass.client.name)}</p>
        </>
      ) : (
        <p class="strip__line muted">{view.signals?.on ? 'The first reading comes after a few seconds.' : 'Readings come while rapport signals are on.'}</p>
      )}
      {latest && (
        <p class="strip__line">
          Latest reaction: {firstName(pass.client.name)}: {reactionWords(latest.kind)} · {clockTime(latest.at)}
        </p>
      )}
    </div>
  );
}

// The client's quiet way to say how a moment landed.
function Reactions({ controller, view }: { controller: RoomController; view: RoomView }) {
  const therapist = firstName(controller.pass.therapist.name);
  const last = view.reactions[0];
  return (
    <section class="card reactions" aria-labelledby="reactions-heading">
      <h2 id="reactions-heading">In the moment</h2>
      <p class="muted small">Only {therapist} sees these, as a small note.</p>
      <div class="actions">
        <button class="button" type="button" onClick={() => controller.react('helped')}>
          That helped
        </button>
        <button class="button" type="button" onClick={() => controller.react('not_right')}>
          That didn’t feel right
        </button>
      </div>
      <p class="small muted" role="status">
        {view.reactionNote ?? (last ? `Sent to ${therapist} · “${reactionWords(last.kind)}” · ${clockTime(last.at)}` : '')}
      </p>
    </section>
  );
}

function ClientReactions({ view, pass }: { view: RoomView; pass: RoomPass }) {
  const client = firstName(pass.client.name);
  return (
    <section class="card reactions" aria-labelledby="client-reactions-heading">
      <h2 id="client-reactions-heading">{client}’s reactions</h2>
      <ul class="plain-list small" aria-live="polite">
        {view.reactions.length === 0 && <li class="muted">None yet.</li>}
        {view.reactions.map((r) => (
          <li key={r.key} class="reaction">
            {client}: {reactionWords(r.kind)} · {clockTime(r.at)}
          </li>
        ))}
      </ul>
    </section>
  );
}

// --- Ending --------------------------------------------------------------------------------------------

function EndControls({ controller, view }: { controller: RoomController; view: RoomView }) {
  const [confirming, setConfirming] = useState(false);
  const therapist = controller.pass.part === 'therapist';
  if (!therapist) {
    return (
      <div class="actions room__end">
        <button class="button" type="button" onClick={() => controller.leave()}>
          Leave
        </button>
      </div>
    );
  }
  if (!confirming) {
    return (
      <div class="actions room__end">
        <button class="button button--danger" type="button" onClick={() => setConfirming(true)} disabled={view.phase !== 'in'}>
          End session
        </button>
      </div>
    );
  }
  return (
    <div class="confirm room__end" role="group" aria-labelledby="end-question">
      <p id="end-question">End the session for everyone?</p>
      <button
        class="button button--danger"
        type="button"
        onClick={() => {
          setConfirming(false);
          controller.end();
        }}
      >
        Yes, end the session
      </button>
      <button class="button" type="button" onClick={() => setConfirming(false)}>
        Keep going
      </button>
    </div>
  );
}

function SummaryView({ pass }: { pass: RoomPass }) {
  const [tick, setTick] = useState(0);
  const summary = useLoad<SessionSummary | null>(() => loadSessionSummary(pass.appointment.id), [pass.appointment.id, tick]);
  return (
    <section class="card card--accent narrow-card summary" aria-labelledby="summary-heading">
      <h2 id="summary-heading">Session summary</h2>
      {summary.loading && <Loading what="the summary" />}
      {summary.error && <Alert>{summary.error.message}</Alert>}
      {!summary.loading && summary.data === null && (
        <>
          <p>There is no summary for this session yet.</p>
          <button class="button" type="button" onClick={() => setTick((t) => t + 1)}>
            Look again
          </button>
        </>
      )}
      {summary.data && <SessionSummaryLines summary={summary.data} clientName={pass.client.name} />}
      <p>
        <a href={`/episodes/${pass.appointment.episode_id}`}>Feedback and progress of {pass.client.name}</a>
        {' · '}
        <a href="/">Your caseload</a>
      </p>
    </section>
  );
}

// The client's (and a guardian's) closing view, with the way to the session's feedback form when
// one is asked after this session.
function ClosingView({ ctx, pass }: { ctx: AppContext; pass: RoomPass }) {
  const feedback = useLoad(async () => {
    if (pass.part !== 'client') return false;
    const [assigned, definitions] = await Promise.all([
      api.episodeInstruments(pass.appointment.episode_id, pass.appointment.id),
      instrumentValidation().catch(() => new Map()),
    ]);
    return assigned.some((a) => a.respondent === 'client' && a.due !== false && !asksBeforeSession(definitions.get(a.code)?.timing));
  }, [pass.appointment.id]);
  return (
    <section class="card card--accent narrow-card" aria-labelledby="closing-heading">
      <h2 id="closing-heading">The session has ended</h2>
      <p>Thank you for today, {firstName(ctx.user.display_name)}. Take a moment for yourself before you go on with your day.</p>
      {feedback.data && (
        <>
          <p>A minute of feedback helps {firstName(pass.therapist.name)} make the next session fit you better.</p>
          <a class="button button--primary button--block" href={`/feedback?appointment=${pass.appointment.id}`}>
            How was today’s session?
          </a>
        </>
      )}
      <p class="after-card">
        <a href="/">Back to your home page</a>
      </p>
    </section>
  );
}
