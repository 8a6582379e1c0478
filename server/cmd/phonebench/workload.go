package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// driver submits the commands of the mix to one layer (the replica's Do,
// or the HTTP API). Every method is called from many goroutines at once.
type driver interface {
	// addTeam, addTeammate and addMember build the state before the
	// measured run; they are not timed.
	addTeam(ctx context.Context, team string) error
	addTeammate(ctx context.Context, teammate string) error
	addMember(ctx context.Context, team, teammate string) error
	// arrive places call for team and returns the teammate it rings ("" if
	// nobody).
	arrive(ctx context.Context, call, team string) (ringing string, err error)
	answer(ctx context.Context, call, teammate string) error
	// end ends the call, by the teammate.
	end(ctx context.Context, call string) error
	// setStatus sets the teammate Away (reason "break") or Active.
	setStatus(ctx context.Context, teammate string, away bool) error
}

// The mix: client c is the switchboard of its own team, team-c, of two
// teammates, c-a and c-b, so that no client's commands race another's and
// every command must succeed. Each call is placed, rings whoever of the
// two is free and longest idle, is answered by them and ended by them;
// after every fourth call (i%4 == 1) c-b goes Away for a break and comes
// back after the next one (i%4 == 2), so that call rings c-a alone.
// Ended calls are kept by the engine for its default ten minutes, as in
// a deployment.

// teamOf is client c's team.
func teamOf(c int) string { return fmt.Sprintf("team-%02d", c) }

// teammatesOf are client c's two teammates.
func teammatesOf(c int) [2]string {
	return [2]string{fmt.Sprintf("tm-%02d-a", c), fmt.Sprintf("tm-%02d-b", c)}
}

// callID is client c's i-th call.
func callID(c, i int) string { return fmt.Sprintf("call-%02d-%d", c, i) }

// presenceAfter says whether the second teammate's status changes after
// call i, and whether to Away (else back to Active).
func presenceAfter(i int) (toggle, away bool) { return i%4 == 1 || i%4 == 2, i%4 == 1 }

// commandsFor is how many commands a client submits for calls calls.
func commandsFor(calls int) int {
	n := 3 * calls
	for i := range calls {
		if toggle, _ := presenceAfter(i); toggle {
			n++
		}
	}
	return n
}

// setupMix adds every client's team and teammates through d.
func setupMix(ctx context.Context, d driver, clients int) error {
	for c := range clients {
		if err := d.addTeam(ctx, teamOf(c)); err != nil {
			return fmt.Errorf("add team: %w", err)
		}
		for _, tm := range teammatesOf(c) {
			if err := d.addTeammate(ctx, tm); err != nil {
				return fmt.Errorf("add teammate: %w", err)
			}
			if err := d.addMember(ctx, teamOf(c), tm); err != nil {
				return fmt.Errorf("add member: %w", err)
			}
		}
	}
	return nil
}

// load bounds a run: it stops at the deadline, or once each client has
// placed calls calls when calls > 0, whichever comes first. A call that
// started before the deadline is finished.
type load struct {
	clients  int
	duration time.Duration
	calls    int
}

// tally is what a run did, and its latencies.
type tally struct {
	ops, calls, errors int64
	firstErr           string
	elapsed            time.Duration
	// cpu is the CPU time used during the timed commands by this process
	// (the clients, and the nodes run in it); serverCPU by the server
	// processes (set by the layer).
	cpu, serverCPU time.Duration
	// idle is the fraction of the machine's CPU time (all CPUs) that was
	// idle during the timed commands: near 0, the CPU bounded the run.
	idle float64
	lat  []time.Duration // sorted
	ring []time.Duration // sip: INVITE to 180 Ringing, sorted
}

// percentile returns the p-th quantile of sorted latencies lat.
func percentile(lat []time.Duration, p float64) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	return lat[min(len(lat)-1, int(float64(len(lat))*p))]
}

// errNoRing is a call that rang nobody although one of its team was free.
var errNoRing = errors.New("the call rang nobody")

// runMix runs the mix through d with l.clients clients and returns the
// tally of the timed commands.
func runMix(ctx context.Context, d driver, l load) tally {
	return runClients(ctx, l, func(c, i int, timed func(func() error) bool) bool {
		team, tms := teamOf(c), teammatesOf(c)
		ok := placeCall(ctx, d, callID(c, i), team, timed)
		if toggle, away := presenceAfter(i); toggle {
			timed(func() error { return d.setStatus(ctx, tms[1], away) })
		}
		return ok
	})
}

// placeCall places call for team through d, timed: arrive, then the
// teammate it rings answers, then ends it. It reports whether all three
// succeeded.
func placeCall(ctx context.Context, d driver, call, team string, timed func(func() error) bool) bool {
	var ringing string
	return timed(func() (err error) {
		ringing, err = d.arrive(ctx, call, team)
		if err == nil && ringing == "" {
			err = fmt.Errorf("%s of %s: %w", call, team, errNoRing)
		}
		return err
	}) && timed(func() error { return d.answer(ctx, call, ringing) }) &&
		timed(func() error { return d.end(ctx, call) })
}

// runClients runs l.clients clients, each running call(c, i, timed) for
// its calls i = 0, 1, ... until l.calls or l's deadline, and returns the
// tally of what they timed: timed(f) runs and times one command and
// reports whether it succeeded; call reports whether the call completed.
func runClients(ctx context.Context, l load, call func(c, i int, timed func(func() error) bool) bool) tally {
	type clientTally struct {
		ops, calls, errors int64
		firstErr           error
		lat                []time.Duration
	}
	per := make([]clientTally, l.clients)
	var wg sync.WaitGroup
	start, cpu0, meter := time.Now(), selfCPU(), startIdle()
	deadline := start.Add(l.duration)
	for c := range l.clients {
		wg.Go(func() {
			ct := &per[c]
			ct.lat = make([]time.Duration, 0, 4096)
			timed := func(f func() error) bool {
				t := time.Now()
				err := f()
				ct.lat = append(ct.lat, time.Since(t))
				ct.ops++
				if err != nil {
					ct.errors++
					if ct.firstErr == nil {
						ct.firstErr = err
					}
				}
				return err == nil
			}
			for i := 0; (l.calls == 0 || i < l.calls) && time.Now().Before(deadline) && ctx.Err() == nil; i++ {
				if call(c, i, timed) {
					ct.calls++
				}
			}
		})
	}
	wg.Wait()
	var t tally
	t.elapsed, t.cpu, t.idle = time.Since(start), selfCPU()-cpu0, meter.fraction()
	for _, ct := range per {
		t.ops += ct.ops
		t.calls += ct.calls
		t.errors += ct.errors
		if ct.firstErr != nil && t.firstErr == "" {
			t.firstErr = ct.firstErr.Error()
		}
		t.lat = append(t.lat, ct.lat...)
	}
	slices.Sort(t.lat)
	return t
}
