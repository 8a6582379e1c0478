// Package inbox is the teammate's inbox: each teammate signs in as
// themselves, in their workspace, and the page at /inbox is their phone
// (rule PR3). One [Server] serves every workspace of the runtime.
//
// # Credentials and sessions
//
// A workspace's host sets a teammate's password and role, "teammate" or
// "supervisor", with PUT /v1/workspaces/{ws}/teammates/{id}/credential
// {"password", "role"} (DELETE removes it): {ws} must be a workspace of
// this node (else 404 workspace_not_found) and the credential its host's
// token (else 403: another workspace's host, the cluster's admin). The node that receives the request hashes the
// password with argon2id (golang.org/x/crypto/argon2: 19 MiB, 2 passes,
// 1 lane, a 16-byte random salt, a 32-byte key; each record keeps its
// parameters) and only the hash goes through the raft log into the
// replicated meta store, in the workspace's namespace (bucket
// "credentials", key the teammate ID), so every node can check a sign-in
// and a teammate ID of one workspace is not another's. The password is
// never logged or stored.
//
// POST /login with the form fields workspace, teammate and password (the
// form at /inbox/login, whose workspace field is "default" unless its
// link says ?workspace=...) signs a teammate in to that workspace; a form
// without a workspace field, or with an empty one, is the default
// workspace's, as before workspaces; a form without a teammate field is
// the dashboard's token log-in. A sign-in is refused (429) after 5
// failures for that teammate of that workspace (then one a minute) or 20
// from that address (then one every 6 s); only failures count, the tables
// are bounded, and at most 4 argon2id hashes run at once; an unknown
// workspace costs the same hash as a wrong password and gets the same
// answer. It issues a random
// 256-bit session ID in the login cookie (HttpOnly, SameSite=Strict,
// Path=/, Secure over TLS or with Config.SecureCookie: the dashboard's
// cookie) that lives 12 hours. The node keeps only its SHA-256 digest, in
// memory: a restart, or a failover to another node, means signing in
// again. A new password or a removed credential ends the teammate's
// sessions (of that workspace) on the node that received it.
//
// A session is an httpedge.Principal with RoleTeammate or RoleSupervisor,
// the workspace and the teammate. It reaches the inbox's routes only
// (/inbox/...); the API and the wallboard still take the host token, and
// answer a session with 401. Every inbox route on a teammate,
// /inbox/api/teammates/{id}/..., is authorized in one place
// (onTeammate) with httpedge.RequireSelf, or RequireSupervise for reading
// a teammate and changing their channel (a supervisor may, rule PR7);
// anything else is 403 "forbidden". The routes name no workspace: every
// read and command of a session (the teammate, their calls, timelines,
// figures, stream, tabs and audio) is in the session's workspace, so a
// session never reaches another workspace's teammates or calls (an ID of
// another workspace is unknown in its own). Call actions also need the
// call to be the teammate's (ringing for them, answered by them, or
// declined or missed by them).
//
// # The page and its live connection
//
// GET /inbox serves the page (embedded assets, no build step). It holds
// one Server-Sent Events stream, GET /inbox/api/teammates/{id}/events,
// that sends the teammate's state when it changes; the page acts with
// JSON PUTs and POSTs that run the same commands as the API, through the
// runtime with the API's precheck. The stream is the phone client:
//
//   - the client is open while at least one of the teammate's tabs holds
//     the stream on this node, and in the foreground while at least one
//     of them is visible (the Page Visibility API; the page reports
//     changes with PUT .../tabs/{tab} at once, and as a heartbeat every
//     10 s); with every tab hidden it is "available but with no active
//     phone client" and cannot ring;
//   - when the last tab goes (closed, reloaded, connection lost) the
//     client is reported closed 2 s later unless a tab came back (so a
//     reload keeps it); a call ringing for them then ends as a
//     connectivity decline and moves on at once;
//   - a visible tab without a heartbeat for 35 s, or a hidden one for
//     140 s (background timers run about once a minute), is dropped, which
//     covers a connection that died without closing.
//
// The tabs are tracked per node: the teammate's tabs should reach one
// node (a load balancer with affinity), and after a failover the
// reconnecting tabs report the client again. The inbox's writes are
// served by the node they reach: on a follower they answer 503
// "not_leader".
//
// # Audio
//
// With Config.CallAudio (the caller's media.Leg of a call), the page of
// the teammate on the call sends a WebRTC offer with every ICE candidate
// to POST /inbox/api/teammates/{id}/calls/{call}/media; the server
// answers from a G.711-only PeerConnection (media.RegisterG711, so frames
// pass to a SIP leg unchanged) and bridges its media.WebRTCLeg to the
// caller's leg (media.Bridge) until the call ends, the connection fails,
// or the page negotiates again: a reload during the call rejoins the
// audio. When the bridge ends the inbox closes the caller's leg it got,
// which hands the caller's audio back to its owner (the SIP gateway's hold
// music while the call goes on). Without CallAudio the page carries no
// audio. The SIP gateway serves the default workspace: the audio, and
// Server.ClientOpen, which tells the gateway which teammates' phone is
// their inbox tab (sip.Config.OtherClient: their rings are left to the
// page, which answers the engine, then takes the caller's leg), are that
// workspace's; other workspaces' pages carry no audio.
//
// Every exported name is safe for concurrent use unless its comment says
// otherwise.
package inbox
