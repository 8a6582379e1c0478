// Package dashboard serves the live inbox dashboard (rule MT15) in a
// browser: summary cards, the team table, the teammate table with a
// channel-availability control (rule PR7), the staffing advice, the day's
// charts per team (calls waiting, answer time, service level against the
// target, as inline SVG), and a
// call's timeline and explanation on click. The page is plain HTML, CSS
// and JavaScript embedded in the binary; it never polls: it follows a
// Server-Sent Events stream.
//
// # The stream
//
// GET /dashboard/events sends a snapshot of the stream's view on connect,
// then deltas: the summary, advice or the day's charts ([Day]: each ended
// 15-minute bucket, so at most once per bucket) when they changed, and for
// each table
// (teams, teammates, calls) only the rows that changed, keyed by ID, the
// IDs removed, and the new order when it changed. The teammate table is
// paged and searchable: the query parameters q (a case-insensitive search
// of names, IDs and team names), offset and limit (default
// [DefaultPageSize], at most [MaxPageSize]) choose the page, and the
// stream sends only that page's rows with the totals, so a message stays
// a few KB at thousands of teammates (at 2,000, about 16 KB for a
// snapshot and 1.5 KB for a ringing call). The page changes its search or
// page by opening a new stream. A browser that reconnects gets a fresh
// snapshot of its view. Idle streams get comment-line heartbeats. Every
// write has its own deadline (http.ResponseController.SetWriteDeadline),
// so a client that stops reading is dropped without slowing the others,
// and the server's WriteTimeout does not cut long streams. The number of
// streams is bounded; one more is refused with 503 and the JSON error
// body.
//
// # Memory
//
// The dashboard builds nothing while nobody watches: [Server.Notify] only
// records the index. While someone watches, one renderer goroutine reads
// the [Source] at most once per Config.Coalesce, however many entries a
// burst applied, and every Config.Refresh, so that ongoing talk times
// move; it keeps one encoded copy of the state (rows that did not change
// share their encoding with the render before) and no history. Each
// stream keeps the rows of its own page that it sent, and works out its
// deltas from the latest render by itself. When the last stream closes,
// the render is dropped.
//
// # Workspaces and authentication
//
// A [Server] is one workspace's board (Config.Workspace); [Boards] serves
// every workspace's behind one set of routes, building a workspace's
// board on the first request of one of its principals, and dispatching
// each data request by the workspace of the principal that made it: the
// routes name no workspace, so a credential sees its own workspace's
// board and never another's. Only a workspace's host (its token) and its
// supervisors (a supervisor's session) may read a board or act on it;
// a teammate's session and the cluster's admin token get 403, as does a
// credential of another workspace on a board mounted alone.
//
// The dashboard uses the server's one HTTP edge (package httpedge). GET
// /login serves a form; POST /login checks the token with Config.Verifier
// (api.HostVerifier: any workspace's host token) and sets the cookie
// [CookieName] (HttpOnly, SameSite=Strict, Path=/) to it, so the page
// then shows that token's workspace. Every other data route checks the
// credential itself unless the host's own authentication already put a
// principal in the request's context (httpedge.Require: the cookie or an
// Authorization header with the Bearer scheme in any case); every
// state-changing request a browser marks as cross-origin is refused
// (httpedge.SameOrigin, on net/http.CrossOriginProtection); every
// refusal, 404 and 405 included, is the edge's {"code", "error"} body;
// IDs obey the edge's limits.
//
// # Wiring
//
// A server plugs in what it already has, per workspace: the runtime's
// clock, the workspace's engine view, metrics fold, staffing advice and
// event store, and its token check. Method values fit [Parts] as they
// are (see the package example for [Boards]):
//
//	w, err := rt.Workspace(ws)
//	src, err := dashboard.NewSource(dashboard.Parts{
//		Now: rt.Now, View: w.View, WithCollector: w.WithCollector,
//		Advice: w.Advice,
//	})
//	dash, err := dashboard.New(dashboard.Config{
//		Workspace: string(ws),
//		Source:    src,
//		Submit: func(ctx context.Context, cmd assign.Command) error {
//			_, err := w.Do(ctx, cmd)
//			return err
//		},
//		Timeline: dashboard.TimelineFunc(w.Timeline),
//		Explain:  dashboard.ExplainFunc(w.View),
//		Verifier: api.HostVerifier(rt, auth), // constant time
//	})
//	public, protected := dash.Handlers() // mount without / behind authentication
//	// For every applied log entry of the workspace (a loop over
//	// w.Subscribe): dash.Notify(index).
//	// On shutdown: dash.Close().
package dashboard
