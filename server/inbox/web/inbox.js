// The inbox page: one live stream (the phone client while open), and
// POSTs/PUTs for the teammate's actions. No build step.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  let me = null, tab = null, state = null, es = null, answering = null, audio = null;

  const visible = () => document.visibilityState === "visible";
  async function call(method, path, body) {
    const r = await fetch(path, {method, credentials: "same-origin",
      headers: body === undefined ? {} : {"Content-Type": "application/json"},
      body: body === undefined ? undefined : JSON.stringify(body)});
    const j = await r.json().catch(() => ({}));
    if (!r.ok) { showError(j.error || r.statusText); throw new Error(j.code || r.status); }
    $("error").hidden = true;
    if (j && j.teammate && j.status) render(j);
    return j;
  }
  const base = () => "/inbox/api/teammates/" + encodeURIComponent(me.teammate);
  function showError(msg) { $("error").textContent = msg; $("error").hidden = false; }
  const clock = (ms) => { const s = Math.floor(ms / 1000); return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0"); };

  function render(st) {
    state = st;
    $("who").textContent = (st.name || st.teammate) + " · Inbox";
    $("channel").value = st.channel;
    $("active").setAttribute("aria-pressed", st.status === "Active");
    $("away").setAttribute("aria-pressed", st.status === "Away");
    $("reassign").checked = st.reassign_replies;
    const client = !st.client_open ? "phone client closed" : st.backgrounded ? "tab in background: calls do not ring here" : "phone client open";
    $("presence").textContent = st.status + (st.reason ? " (" + st.reason + ")" : "") + " · " + st.channel + " · " + client +
      (st.eligible ? " · can receive calls" : "");
    document.body.dataset.status = st.status;
    const r = st.ringing;
    $("ringing").hidden = !r;
    document.body.classList.toggle("is-ringing", !!r);
    if (r) {
      $("ring-call").textContent = "Call " + r.call + (r.team ? " for team " + r.team : "");
      $("decline").hidden = r.auto_answer;
      if (r.auto_answer && answering !== r.call) { answering = r.call; act("answer", r.call); } // rule AS8
    }
    const c = st.on_call;
    $("oncall").hidden = !c;
    document.body.classList.toggle("on-call", !!c);
    if (c) $("call-info").textContent = "Call " + c.call + (c.team ? " · team " + c.team : "") + " · " + c.stage;
    if (c && st.audio && (!audio || audio.call !== c.call)) startAudio(c.call);
    if (!c && audio) stopAudio();
    const wrapping = !c && st.status === "Away" && st.wrap_up_until_ms > 0;
    $("wrapup").hidden = !wrapping;
    if (wrapping) $("wrap-info").textContent = "Away (call wrap up) until " + new Date(st.wrap_up_until_ms).toLocaleTimeString();
    $("answered").textContent = st.figures.answered;
    $("talk").textContent = clock(st.figures.talk_time_ms);
  }

  function act(what, id) { return call("POST", base() + "/calls/" + encodeURIComponent(id) + "/" + what).catch(() => {}); }
  async function details(id) {
    const d = await call("GET", base() + "/calls/" + encodeURIComponent(id));
    $("why").textContent = d.why || "";
    const ol = $("timeline"); ol.replaceChildren();
    for (const line of d.timeline) { const li = document.createElement("li"); li.textContent = line; ol.append(li); }
    $("detail").hidden = false;
  }

  // The call's audio: a WebRTC connection to the server (G.711), offered
  // with every ICE candidate, answered by POST .../media. A reload during
  // the call negotiates again and rejoins the audio.
  async function startAudio(id) {
    stopAudio();
    const pc = new RTCPeerConnection();
    audio = {call: id, pc};
    window.__pc = pc;
    try {
      const mic = await navigator.mediaDevices.getUserMedia({audio: true});
      for (const t of mic.getTracks()) pc.addTrack(t, mic);
      pc.ontrack = (e) => {
        const el = $("remote-audio");
        el.srcObject = e.streams[0] || new MediaStream([e.track]);
        el.play().catch(() => {});
      };
      await pc.setLocalDescription(await pc.createOffer());
      await new Promise((done) => {
        if (pc.iceGatheringState === "complete") return done();
        pc.addEventListener("icegatheringstatechange", () => pc.iceGatheringState === "complete" && done());
        setTimeout(done, 3000);
      });
      const ans = await call("POST", base() + "/calls/" + encodeURIComponent(id) + "/media", {sdp: pc.localDescription.sdp});
      await pc.setRemoteDescription({type: "answer", sdp: ans.sdp});
      $("call-audio").textContent = "audio connected";
    } catch (e) {
      $("call-audio").textContent = "no audio: " + e;
    }
  }
  function stopAudio() {
    if (!audio) return;
    audio.pc.close();
    audio = null;
    $("call-audio").textContent = "";
  }

  function setConn(text, cls) { const p = $("conn"); p.textContent = text; p.className = "pill " + cls; }
  function connect() {
    if (es) es.close();
    tab = null;
    es = new EventSource(base() + "/events?visible=" + (visible() ? "1" : "0"));
    es.addEventListener("hello", (e) => { tab = JSON.parse(e.data).tab; beat(); });
    es.addEventListener("state", (e) => render(JSON.parse(e.data)));
    es.addEventListener("gone", () => { setConn("removed", "off"); es.close(); });
    es.onopen = () => setConn(visible() ? "online" : "background", visible() ? "" : "bg");
    es.onerror = () => setConn("reconnecting…", "off");
  }
  // The tab's heartbeat and visibility (rule PR3).
  async function beat() {
    if (!tab) return;
    setConn(visible() ? "online" : "background", visible() ? "" : "bg");
    const r = await fetch(base() + "/tabs/" + tab, {method: "PUT", credentials: "same-origin",
      headers: {"Content-Type": "application/json"}, body: JSON.stringify({visible: visible()})}).catch(() => null);
    if (r && r.status === 404) connect(); // dropped: reconnect as a new tab
  }

  async function start() {
    me = await (await fetch("/inbox/api/me", {credentials: "same-origin"})).json();
    $("channel").addEventListener("change", () => call("PUT", base() + "/channel", {channel: $("channel").value}).catch(() => {}));
    $("active").addEventListener("click", () => call("PUT", base() + "/status", {status: "Active"}).catch(() => {}));
    $("switch-active").addEventListener("click", () => call("PUT", base() + "/status", {status: "Active"}).catch(() => {}));
    $("away").addEventListener("click", () => call("PUT", base() + "/status", {status: "Away", reason: $("reason").value || "Away"}).catch(() => {}));
    $("reassign").addEventListener("change", () => call("PUT", base() + "/reassign-replies", {on: $("reassign").checked}).catch(() => {}));
    $("answer").addEventListener("click", () => state.ringing && act("answer", state.ringing.call));
    $("decline").addEventListener("click", () => state.ringing && act("decline", state.ringing.call));
    $("details").addEventListener("click", () => state.ringing && details(state.ringing.call).catch(() => {}));
    $("call-details").addEventListener("click", () => state.on_call && details(state.on_call.call).catch(() => {}));
    $("hangup").addEventListener("click", () => state.on_call && act("hangup", state.on_call.call));
    $("close-detail").addEventListener("click", () => { $("detail").hidden = true; });
    document.addEventListener("visibilitychange", beat);
    setInterval(beat, 10000);
    connect();
  }
  start().catch((e) => showError("The inbox could not start: " + e));
})();
