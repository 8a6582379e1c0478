package sip

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/server/media"
)

// TestSIPpCallerAudioHandover: ana has no SIP phone; her client is open
// elsewhere (Config.OtherClient, the inbox page). A SIPp caller is
// answered with hold music and the engine rings ana: the gateway leaves
// the ring to her other client (no connectivity decline). She answers in
// the engine, and CallerAudio hands the caller's audio over: frames flow
// both ways. Closing the handed leg brings the hold music back (a page
// reload); a new hand-over bridges again and replaces an older one; once
// the engine's call ends, the last leg's close hangs up the caller.
func TestSIPpCallerAudioHandover(t *testing.T) {
	t.Parallel() // real time (prompts, RTP): run beside the others
	e, ctx := otherClientEnv(t)
	audio := newRTPPeer(t)
	caller := startMediaCaller(t, e, "caller", audio)
	id := waitQueued(t, e, 1)[0]
	gw := expectAnnouncement(t, audio, 1, media.UnknownWait)
	e.waitEvent("ana rung", func(ev eventlog.Event) bool {
		return ev.Call == id && ev.Kind == eventlog.CallOffered && ev.Teammate == "ana"
	})
	if _, err := e.node.Do(ctx, e.ws, assign.Command{Op: assign.OpAnswer, Call: id, Teammate: "ana"}); err != nil {
		t.Fatalf("ana's answer in the engine (was the ring declined?): %v", err)
	}

	// handed checks audio both ways through a handed leg.
	handed := func(leg media.Leg, seed byte) {
		t.Helper()
		stop := audio.stream(gw, constFrame(seed))
		defer stop()
		for {
			f, err := leg.ReadFrame(ctx)
			if err != nil {
				t.Fatalf("reading the handed leg: %v", err)
			}
			if bytes.Equal(f.Audio, constFrame(seed)) {
				break
			}
		}
		quit, done := make(chan struct{}), make(chan struct{})
		defer func() { close(quit); <-done }()
		go func() { // one writer, paced as a phone
			defer close(done)
			tick := time.NewTicker(media.FrameDuration)
			defer tick.Stop()
			for leg.WriteFrame(constFrame(seed+1)) == nil {
				select {
				case <-quit:
					return
				case <-tick.C:
				}
			}
		}()
		audio.recvUntil("the handed leg's audio at the caller", func(p []byte) bool { return bytes.Equal(p, constFrame(seed+1)) })
	}
	first, err := e.gw.CallerAudio(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	handed(first, 0x31)
	_ = first.Close()
	audio.recvUntil("hold music again", loud)

	second, err := e.gw.CallerAudio(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	handed(second, 0x41)
	third, err := e.gw.CallerAudio(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := second.ReadFrame(ctx); !errors.Is(err, media.ErrClosed) {
		t.Fatalf("the replaced leg reads %v, want ErrClosed", err)
	}
	if err := second.WriteFrame(constFrame(0)); !errors.Is(err, media.ErrClosed) {
		t.Fatalf("the replaced leg writes %v, want ErrClosed", err)
	}
	handed(third, 0x51)

	if _, err := e.node.Do(ctx, e.ws, assign.Command{Op: assign.OpEndCall, Call: id, By: eventlog.ByTeammate}); err != nil {
		t.Fatal(err)
	}
	_ = third.Close()
	caller.wait(t) // the gateway hung up the caller
	want := "call_placed\ncall_queued\ncall_offered ana\ncall_answered ana\ncall_ended ana stage=talking by=teammate\n"
	if got := story(e.waitEnded(id)); got != want {
		t.Fatalf("call %s:\n%s\nwant:\n%s", id, got, want)
	}
	if _, err := e.gw.CallerAudio(ctx, id); !errors.Is(err, ErrUnknownCall) {
		t.Fatalf("CallerAudio after the end: %v, want ErrUnknownCall", err)
	}
	waitIdle(t, e)
}

// TestSIPpEndedInOtherClient: ana answers a SIPp caller in her other
// client and hangs up there without ever taking the audio (no
// CallerAudio): the gateway sees the engine's call end and hangs up the
// caller, who would otherwise hear hold music with nobody there.
func TestSIPpEndedInOtherClient(t *testing.T) {
	t.Parallel() // real time (prompts, RTP): run beside the others
	e, ctx := otherClientEnv(t)
	audio := newRTPPeer(t)
	caller := startMediaCaller(t, e, "caller", audio)
	id := waitQueued(t, e, 1)[0]
	e.waitEvent("ana rung", func(ev eventlog.Event) bool {
		return ev.Call == id && ev.Kind == eventlog.CallOffered && ev.Teammate == "ana"
	})
	// The caller is answered (hold music) before ana answers elsewhere.
	audio.recvUntil("hold music", loud)
	for _, cmd := range []assign.Command{
		{Op: assign.OpAnswer, Call: id, Teammate: "ana"},
		{Op: assign.OpEndCall, Call: id, By: eventlog.ByTeammate},
	} {
		if _, err := e.node.Do(ctx, e.ws, cmd); err != nil {
			t.Fatalf("%v: %v", cmd.Op, err)
		}
	}
	caller.wait(t) // the gateway hung up the caller
	waitIdle(t, e)
}

// otherClientEnv is an env with media whose one teammate, ana, has no SIP
// phone and her client open elsewhere (Config.OtherClient, the inbox
// page), and a context bounded by waitLimit for the test.
func otherClientEnv(t *testing.T) (*env, context.Context) {
	t.Helper()
	mc := MediaConfig{AnnouncePeriod: 10 * time.Second}
	e := newEnv(t, envOptions{ringTimeout: 20 * time.Second, team: "support", teammates: []pb.TeammateID{"ana"},
		users: map[pb.TeammateID]string{"zoe": "pw-zoe"},
		tune: func(c *Config) {
			c.Media = &mc
			c.OtherClient = func(t pb.TeammateID) bool { return t == "ana" }
		}})
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	t.Cleanup(cancel)
	if _, err := e.node.Do(ctx, e.ws, assign.Command{Op: assign.OpSetClient, Teammate: "ana", Open: true}); err != nil {
		t.Fatal(err)
	}
	return e, ctx
}
