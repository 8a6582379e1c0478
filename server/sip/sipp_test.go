package sip

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/server/internal/testtool"
)

// sipp is one SIPp process started by a test: bounded by -m and
// -timeout, stopped by its PID when the test ends.
type sipp struct {
	name string
	dir  string
	cmd  *exec.Cmd
	out  bytes.Buffer
	done chan struct{}
	err  error
}

func findSIPp(t *testing.T) string {
	t.Helper()
	return testtool.Require(t, testtool.SIPp)
}

// startSIPp runs sipp against the gateway with args, in a directory of its
// own for its logs: against its TCP listener when args hold "-t t1", its
// UDP one otherwise.
func startSIPp(t *testing.T, e *env, name string, args ...string) *sipp {
	t.Helper()
	bin := findSIPp(t)
	dir := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	remote := e.gw.Addr().String()
	for i := range args {
		if args[i] == "-t" && i+1 < len(args) && args[i+1] == "t1" {
			remote = e.gw.TCPAddr().String()
		}
	}
	full := append([]string{remote, "-i", "127.0.0.1", "-nostdin",
		"-timeout", "45s", "-timeout_error", "-trace_err", "-trace_msg"}, args...)
	s := &sipp{name: name, dir: dir, done: make(chan struct{})}
	s.cmd = exec.Command(bin, full...)
	s.cmd.Dir = dir
	s.cmd.Stdout, s.cmd.Stderr = &s.out, &s.out
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	go func() {
		s.err = s.cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		select {
		case <-s.done:
		default:
			_ = s.cmd.Process.Kill()
			<-s.done
		}
	})
	return s
}

// wait waits for the process to exit and fails the test, with its logs,
// unless it exited 0 (every call of its scenario succeeded).
func (s *sipp) wait(t *testing.T) {
	t.Helper()
	select {
	case <-s.done:
	case <-time.After(waitLimit + 30*time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
		t.Fatalf("%s did not finish", s.name)
	}
	if s.err != nil {
		t.Fatalf("%s failed: %v\n%s", s.name, s.err, s.logs())
	}
}

// logs returns the tail of SIPp's error and message logs.
func (s *sipp) logs() string {
	var b strings.Builder
	files, _ := filepath.Glob(filepath.Join(s.dir, "*.log"))
	for _, f := range files {
		data, _ := os.ReadFile(f)
		if len(data) > 6000 {
			data = data[len(data)-6000:]
		}
		b.WriteString("== " + filepath.Base(f) + "\n" + string(data) + "\n")
	}
	out := s.out.String()
	if len(out) > 2000 {
		out = out[len(out)-2000:]
	}
	return b.String() + "== output\n" + out
}

func scenario(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// startPhone starts a SIPp teammate phone: it registers as teammate, handles
// want calls with the out-of-call scenario ooc, then un-registers.
func startPhone(t *testing.T, e *env, teammate pb.TeammateID, password, ooc string, want int, extra ...string) *sipp {
	t.Helper()
	args := []string{"-sf", scenario(t, "phone.xml"), "-oocsf", scenario(t, ooc),
		"-set", "want", strconv.Itoa(want), "-m", "1",
		"-key", "domain", testDomain, "-key", "user", string(teammate),
		"-au", string(teammate), "-ap", password}
	return startSIPp(t, e, "phone-"+string(teammate), append(args, extra...)...)
}

// TestSIPpPhones runs SIPp teammate phones and callers against the
// gateway and checks the engine's timelines: the order phones rang in,
// the exclusions, the miss at exactly the ring timeout, the answered call
// bridged and ended, and a caller hanging up while queued.
func TestSIPpPhones(t *testing.T) {
	const ring = 2 * time.Second
	users := map[pb.TeammateID]string{"bea": "pw-bea", "dee": "pw-dee", "max": "pw-max", "zoe": "pw-zoe"}
	e := newEnv(t, envOptions{ringTimeout: ring, team: "support",
		teammates: []pb.TeammateID{"bea", "dee", "max", "zoe"}, users: users})

	// Never-assigned teammates are offered in ID order (SPEC AS3): bea is
	// busy, dee declines, max never answers, zoe answers after 300 ms.
	phones := []*sipp{
		startPhone(t, e, "bea", users["bea"], "busy.xml", 1),
		startPhone(t, e, "dee", users["dee"], "decline.xml", 1),
		startPhone(t, e, "max", users["max"], "noanswer.xml", 1),
		startPhone(t, e, "zoe", users["zoe"], "answer.xml", 1, "-d", "300"),
	}
	for _, id := range []pb.TeammateID{"bea", "dee", "max", "zoe"} {
		e.waitClient(id, true) // Rule: PR3
	}

	caller := startSIPp(t, e, "caller", "-sf", scenario(t, "caller.xml"), "-s", "support",
		"-key", "domain", testDomain, "-m", "1", "-d", "500")
	caller.wait(t)
	for _, p := range phones {
		p.wait(t) // each phone handled its call as scripted, then un-registered
	}
	for _, id := range []pb.TeammateID{"bea", "dee", "max", "zoe"} {
		e.waitClient(id, false) // Rule: PR3
	}

	evs, _ := e.snapshot()
	ids := placed(evs)
	if len(ids) != 1 {
		t.Fatalf("calls placed: %v", ids)
	}
	call1 := e.waitEnded(ids[0])
	// Rule: AS5, AS6, AS7, EL1, LC2
	want := strings.Join([]string{
		"call_placed", "call_queued",
		"call_offered bea", "call_declined bea busy",
		"call_offered dee", "call_declined dee button",
		"call_offered max", "call_missed max",
		"call_offered zoe", "call_answered zoe",
		"call_ended zoe stage=talking by=customer",
	}, "\n") + "\n"
	if got := story(call1); got != want {
		t.Fatalf("call timeline:\n%s\nwant:\n%s", got, want)
	}
	offered, _ := first(call1, eventlog.CallOffered, "max")
	missed, _ := first(call1, eventlog.CallMissed, "max")
	if !missed.At.Equal(offered.At.Add(ring)) || !offered.Deadline.Equal(missed.At) {
		t.Errorf("max offered at %v (deadline %v), missed at %v: want the miss at exactly the ring timeout %v",
			offered.At, offered.Deadline, missed.At, ring)
	}
	next, _ := first(call1, eventlog.CallOffered, "zoe")
	if !next.At.Equal(missed.At) {
		t.Errorf("zoe offered at %v, want at once after the miss at %v", next.At, missed.At)
	}

	// With every phone gone, a call waits in the queue; the caller gives
	// up after 500 ms.
	canceller := startSIPp(t, e, "caller-cancel", "-sf", scenario(t, "caller_cancel.xml"), "-s", "support",
		"-key", "domain", testDomain, "-m", "1", "-d", "500")
	canceller.wait(t)
	evs, _ = e.snapshot()
	ids = placed(evs)
	if len(ids) != 2 {
		t.Fatalf("calls placed: %v", ids)
	}
	// Rule: LC2
	want = "call_placed\ncall_queued\ncall_ended_before_answer stage=queued by=customer\n"
	if got := story(e.waitEnded(ids[1])); got != want {
		t.Fatalf("queued call timeline:\n%s\nwant:\n%s", got, want)
	}
	waitIdle(t, e)
}

// waitIdle waits until the gateway carries no call.
func waitIdle(t *testing.T, e *env) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	for {
		e.gw.mu.Lock()
		var c *call
		for _, c = range e.gw.calls {
			break
		}
		e.gw.mu.Unlock()
		if c == nil {
			return
		}
		select {
		case <-c.done:
		case <-ctx.Done():
			t.Fatalf("call %s still carried", c.id)
		}
	}
}

// TestSIPpConcurrentCalls sends four overlapping SIPp calls to two SIPp
// phones: the calls beyond the phones wait in the queue, and each is
// answered as a phone frees up, never two at once on one phone.
func TestSIPpConcurrentCalls(t *testing.T) {
	users := map[pb.TeammateID]string{"ana": "pw-ana", "bob": "pw-bob"}
	e := newEnv(t, envOptions{ringTimeout: 5 * time.Second, team: "support",
		teammates: []pb.TeammateID{"ana", "bob"}, users: users})
	phones := []*sipp{
		startPhone(t, e, "ana", users["ana"], "answer.xml", 2, "-d", "200"),
		startPhone(t, e, "bob", users["bob"], "answer.xml", 2, "-d", "200"),
	}
	e.waitClient("ana", true)
	e.waitClient("bob", true)

	callers := startSIPp(t, e, "callers", "-sf", scenario(t, "caller.xml"), "-s", "support",
		"-key", "domain", testDomain, "-m", "4", "-l", "4", "-r", "20", "-d", "400")
	callers.wait(t)
	for _, p := range phones {
		p.wait(t)
	}

	evs, _ := e.snapshot()
	ids := placed(evs)
	if len(ids) != 4 {
		t.Fatalf("calls placed: %v", ids)
	}
	answered := map[pb.TeammateID]int{}
	for _, id := range ids {
		ce := e.waitEnded(id)
		a, ok := first(ce, eventlog.CallAnswered, "")
		end, _ := first(ce, eventlog.CallEnded, "")
		if !ok || end.By != eventlog.ByCustomer || end.Teammate != a.Teammate {
			t.Fatalf("call %s:\n%s", id, story(ce))
		}
		answered[a.Teammate]++
	}
	if answered["ana"] != 2 || answered["bob"] != 2 {
		t.Errorf("answers per phone: %v, want 2 each", answered)
	}
	// Rule: AS4 — a teammate is never on two calls at once, so two calls
	// waited for a phone to hang up; AS12, served in arrival order.
	evs, _ = e.snapshot()
	var afterEnd []pb.CallID
	ended := false
	for _, ev := range evs {
		switch {
		case ev.Kind == eventlog.CallEnded:
			ended = true
		case ev.Kind == eventlog.CallOffered && ended:
			afterEnd = append(afterEnd, ev.Call)
		}
	}
	if len(afterEnd) != 2 || afterEnd[0] != ids[2] || afterEnd[1] != ids[3] {
		t.Errorf("calls offered after a hang-up: %v, want the last two placed %v", afterEnd, ids[2:])
	}
	on := map[pb.TeammateID]pb.CallID{}
	for _, ev := range evs {
		switch ev.Kind {
		case eventlog.CallOffered, eventlog.CallAnswered:
			if c, busy := on[ev.Teammate]; busy && c != ev.Call {
				t.Fatalf("%s offered or answered %s while on %s:\n%s", ev.Teammate, ev.Call, c, dump(evs))
			}
			on[ev.Teammate] = ev.Call
		case eventlog.CallEnded, eventlog.CallMissed, eventlog.CallDeclined:
			delete(on, ev.Teammate)
		}
	}
	waitIdle(t, e)
}

// TestSIPpTCP registers a SIPp phone and places a SIPp call over TCP
// (one connection each, -t t1): the gateway rings the phone over the
// connection it registered on, bridges the answer and ends the call.
func TestSIPpTCP(t *testing.T) {
	users := map[pb.TeammateID]string{"zoe": "pw-zoe"}
	e := newEnv(t, envOptions{ringTimeout: 5 * time.Second, team: "support",
		teammates: []pb.TeammateID{"zoe"}, users: users,
		tune: func(c *Config) { c.ListenTCP = "127.0.0.1:0" }})
	phone := startPhone(t, e, "zoe", users["zoe"], "answer.xml", 1, "-d", "200", "-t", "t1")
	e.waitClient("zoe", true) // Rule: PR3
	if b, ok := e.gw.binding("zoe"); !ok || b.network != "TCP" {
		t.Fatalf("zoe's binding: %+v, want one over TCP", b)
	}
	caller := startSIPp(t, e, "caller-tcp", "-sf", scenario(t, "caller.xml"), "-s", "support",
		"-key", "domain", testDomain, "-m", "1", "-d", "300", "-t", "t1")
	caller.wait(t)
	phone.wait(t)
	e.waitClient("zoe", false)
	evs, _ := e.snapshot()
	ids := placed(evs)
	if len(ids) != 1 {
		t.Fatalf("calls placed: %v", ids)
	}
	want := "call_placed\ncall_queued\ncall_offered zoe\ncall_answered zoe\ncall_ended zoe stage=talking by=customer\n"
	if got := story(e.waitEnded(ids[0])); got != want {
		t.Fatalf("timeline:\n%s\nwant:\n%s", got, want)
	}
	waitIdle(t, e)
}
