package assign

import (
	"container/heap"
	"errors"
	"math/rand/v2"
	"runtime"
	"strconv"
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/metrics"
	"github.com/phonebalance/phonebalance/presence"
	"github.com/phonebalance/phonebalance/schedule"
)

// The soak test plays a host through a simulated week of heavy churn: a
// seeded generator decides arrivals, answers, declines, misses, transfers,
// hang-ups at every stage, outbound calls, voicemail and callbacks, and
// teammates joining and leaving teams and the workspace, going away,
// losing their client and changing channel. The host reacts to the
// engine's effects as a real one would, late or racing the engine's own
// deadlines, and the engine is advanced through each of its deadlines.

type soakKind uint8

const (
	soakArrival soakKind = iota + 1
	soakChurn
	soakRing      // the host's reaction to a ring: answer, decline or nothing
	soakPatience  // the customer gives up waiting
	soakTalkEnd   // the call ends, is transferred or is put on hold
	soakResume    // the call comes off hold
	soakRouting   // a routing call is queued, forwarded or goes to voicemail
	soakVoicemail // a voicemail is left and the call ends
	soakDialed    // the customer picks up an outbound call, or not
	soakPresence  // a teammate comes back from away, a closed client or another channel
	soakRejoin    // a removed teammate is added again
	soakOverride  // an out-of-office override is lifted
	soakFinalEnd  // an outbound call ends
)

type soakAction struct {
	at   time.Time
	seq  uint64
	kind soakKind
	call pb.CallID
	mate pb.TeammateID
	n    int // a choice made when the action was scheduled
}

type soakQueue []soakAction

func (q soakQueue) Len() int { return len(q) }
func (q soakQueue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q soakQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *soakQueue) Push(x any)   { *q = append(*q, x.(soakAction)) }
func (q *soakQueue) Pop() (x any) { n := len(*q) - 1; x = (*q)[n]; *q = (*q)[:n]; return x }
func (s *soakHost) schedule(a soakAction) {
	s.seq++
	a.seq = s.seq
	heap.Push(&s.queue, a)
	if a.call != "" {
		s.pending[a.call]++
	}
}

type soakHost struct {
	t       *testing.T
	e       *Engine
	col     *metrics.Collector
	rng     *rand.Rand
	now     time.Time
	queue   soakQueue
	seq     uint64
	pending map[pb.CallID]int // host actions still to come per call
	mates   []pb.TeammateID
	teams   []pb.TeamID
	calls   int  // calls placed
	closing bool // the final drain: no new calls or churn
	errs    map[error]int
}

// soakAllowed are the errors a host's late or racing command may get: the
// call moved on, ended or was forgotten, the teammate was busy, removed,
// already a member or not one.
var soakAllowed = []error{ErrNotRinging, ErrCallEnded, ErrUnknownCall, ErrWrongState, ErrTeammateBusy,
	ErrUnknownTeammate, ErrDuplicateMember, ErrNotMember}

func (s *soakHost) do(err error) bool {
	if err == nil {
		s.drain()
		return true
	}
	for _, a := range soakAllowed {
		if errors.Is(err, a) {
			s.errs[a]++
			s.drain()
			return false
		}
	}
	s.t.Fatalf("at %v: unexpected error %v", s.now, err)
	return false
}

func (s *soakHost) between(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(s.rng.Int64N(int64(hi-lo)+1))
}

func (s *soakHost) mate() pb.TeammateID { return s.mates[s.rng.IntN(len(s.mates))] }
func (s *soakHost) team() pb.TeamID     { return s.teams[s.rng.IntN(len(s.teams))] }

// drain takes what the engine produced: events go to the metrics, and the
// host reacts to rings and deflections.
func (s *soakHost) drain() {
	r := s.e.Ready()
	for _, ev := range r.Events {
		if err := s.col.Observe(ev); err != nil {
			s.t.Fatalf("metrics refused %+v: %v", ev, err)
		}
	}
	for _, ef := range r.Effects {
		switch ef.Kind {
		case Ring:
			start := ef.Until.Add(-s.e.cfg.RingTimeout)
			p := s.rng.IntN(100)
			switch {
			case p < 70: // answers in time
				s.schedule(soakAction{at: start.Add(s.between(time.Second, 25*time.Second)), kind: soakRing, call: ef.Call, mate: ef.Teammate, n: 0})
			case p < 73: // answers exactly as the ring times out (X3)
				s.schedule(soakAction{at: ef.Until, kind: soakRing, call: ef.Call, mate: ef.Teammate, n: 0})
			case p < 83: // declines
				s.schedule(soakAction{at: start.Add(s.between(time.Second, 20*time.Second)), kind: soakRing, call: ef.Call, mate: ef.Teammate, n: 1 + s.rng.IntN(3)})
			} // otherwise a miss
		case Deflect:
			s.schedule(soakAction{at: s.now.Add(s.between(time.Second, 10*time.Second)), kind: soakRouting, call: ef.Call, n: 1 + s.rng.IntN(99)})
		}
	}
}

// run executes host actions in time order until the queue is empty or the
// time is reached, advancing the engine through each of its own deadlines
// on the way, so that the host reacts to what each deadline did.
func (s *soakHost) run(until time.Time) {
	for {
		next, ok := s.e.NextDeadline()
		if len(s.queue) > 0 && (!ok || !s.queue[0].at.After(next)) {
			if s.queue[0].at.After(until) {
				break
			}
			a := heap.Pop(&s.queue).(soakAction)
			if a.call != "" {
				if s.pending[a.call]--; s.pending[a.call] == 0 {
					delete(s.pending, a.call)
				}
			}
			s.now = a.at
			s.act(a)
			continue
		}
		if !ok || next.After(until) {
			break
		}
		s.now = next
		s.do(s.e.Advance(next))
	}
	s.now = until
	s.do(s.e.Advance(until))
}

func (s *soakHost) act(a soakAction) {
	e, now := s.e, s.now
	switch a.kind {
	case soakArrival:
		if s.closing {
			return
		}
		s.calls++
		id := pb.CallID("c" + strconv.Itoa(s.calls))
		switch p := s.rng.IntN(100); {
		case p < 82:
			if s.do(e.Arrive(now, id, s.team())) {
				s.schedule(soakAction{at: now.Add(s.between(20*time.Second, 8*time.Minute)), kind: soakPatience, call: id})
			}
		case p < 94:
			s.do(e.PlaceCall(now, id))
			s.schedule(soakAction{at: now.Add(s.between(2*time.Second, 20*time.Second)), kind: soakRouting, call: id, n: s.rng.IntN(100)})
		default:
			if s.do(e.PlaceOutbound(now, id, s.mate())) {
				s.schedule(soakAction{at: now.Add(s.between(3*time.Second, 40*time.Second)), kind: soakDialed, call: id, n: s.rng.IntN(100)})
			}
		}
		// About 20,000 calls a day.
		s.schedule(soakAction{at: now.Add(time.Duration(s.rng.ExpFloat64() * float64(86400*time.Second/20000))), kind: soakArrival})
	case soakRouting:
		switch p := a.n; {
		case p < 55:
			if s.do(e.QueueCall(now, a.call, s.team())) {
				s.schedule(soakAction{at: now.Add(s.between(20*time.Second, 8*time.Minute)), kind: soakPatience, call: a.call})
			}
		case p < 65:
			if s.do(e.ForwardUnanswered(now, a.call)) {
				s.schedule(soakAction{at: now.Add(s.between(time.Second, 10*time.Second)), kind: soakRouting, call: a.call, n: s.rng.IntN(100)})
			}
		case p < 85:
			if s.do(e.Voicemail(now, a.call)) {
				s.schedule(soakAction{at: now.Add(s.between(5*time.Second, time.Minute)), kind: soakVoicemail, call: a.call, n: s.rng.IntN(100)})
			}
		case p < 92:
			s.do(e.RequestCallback(now, a.call))
		default:
			s.do(e.HangUp(now, a.call))
		}
	case soakVoicemail:
		if a.n < 70 && s.do(e.RecordVoicemail(now, a.call)) {
			s.schedule(soakAction{at: now.Add(s.between(time.Second, 5*time.Second)), kind: soakVoicemail, call: a.call, n: 100})
			return
		}
		if a.n < 90 {
			s.do(e.HangUp(now, a.call))
		} else {
			s.do(e.RequestCallback(now, a.call))
		}
	case soakPatience:
		if v, ok := e.Call(a.call); ok && !v.Ended && v.Agent == "" {
			s.do(e.HangUp(now, a.call))
		}
	case soakRing:
		var ok bool
		if a.n == 0 {
			ok = s.do(e.Answer(now, a.call, a.mate))
		} else {
			s.do(e.Decline(now, a.call, a.mate, eventlog.DeclineCause(a.n)))
		}
		if ok {
			s.schedule(soakAction{at: now.Add(s.between(20*time.Second, 3*time.Minute)), kind: soakTalkEnd, call: a.call, mate: a.mate, n: s.rng.IntN(100)})
		}
	case soakTalkEnd:
		if v, ok := e.Call(a.call); !ok || v.Ended || v.Agent != a.mate {
			return // transferred or ended meanwhile
		}
		switch p := a.n; {
		case p < 8:
			if s.do(e.Transfer(now, a.call, s.team())) {
				s.schedule(soakAction{at: now.Add(s.between(20*time.Second, 8*time.Minute)), kind: soakPatience, call: a.call})
			}
		case p < 15:
			if s.do(e.Hold(now, a.call)) {
				s.schedule(soakAction{at: now.Add(s.between(5*time.Second, time.Minute)), kind: soakResume, call: a.call, mate: a.mate})
			}
		case p < 20:
			s.do(e.Barge(now, a.call, s.mate()))
			s.schedule(soakAction{at: now.Add(s.between(10*time.Second, time.Minute)), kind: soakTalkEnd, call: a.call, mate: a.mate, n: 50})
		case p < 60:
			s.do(e.EndCall(now, a.call, eventlog.ByTeammate))
		default:
			s.do(e.HangUp(now, a.call))
		}
	case soakResume:
		if s.do(e.Resume(now, a.call)) {
			s.schedule(soakAction{at: now.Add(s.between(10*time.Second, 2*time.Minute)), kind: soakTalkEnd, call: a.call, mate: a.mate, n: 50})
		}
	case soakDialed:
		if a.n < 80 && s.do(e.CustomerAnswered(now, a.call, a.n < 10)) {
			s.schedule(soakAction{at: now.Add(s.between(20*time.Second, 3*time.Minute)), kind: soakFinalEnd, call: a.call})
			return
		}
		s.do(e.EndCall(now, a.call, eventlog.BySystem))
	case soakFinalEnd:
		s.do(e.EndCall(now, a.call, eventlog.Party(1+s.rng.IntN(2))))
	case soakChurn:
		if s.closing {
			return
		}
		s.churn()
		s.schedule(soakAction{at: now.Add(s.between(time.Second, 50*time.Second)), kind: soakChurn})
	case soakPresence:
		switch a.n {
		case 0:
			s.do(e.SetStatus(now, a.mate, presence.Active, ""))
		case 1:
			s.do(e.SetClient(now, a.mate, true, false))
		case 2:
			s.do(e.SetChannel(now, a.mate, presence.ChannelAll))
		}
	case soakRejoin:
		if _, ok := e.Teammate(a.mate); ok {
			return // the final drain added them back already
		}
		s.do(e.AddTeammate(now, a.mate, string(a.mate), available()))
		s.do(e.AddMember(now, s.team(), a.mate))
	case soakOverride:
		if a.n < 0 {
			s.do(e.SetWorkspaceOverride(now, schedule.FollowHours))
		} else {
			s.do(e.SetTeamOverride(now, s.teams[a.n], schedule.FollowHours))
		}
	}
}

// churn changes one teammate, team or setting.
func (s *soakHost) churn() {
	e, now, m := s.e, s.now, s.mate()
	back := func(n int, lo, hi time.Duration) {
		s.schedule(soakAction{at: now.Add(s.between(lo, hi)), kind: soakPresence, mate: m, n: n})
	}
	switch p := s.rng.IntN(1000); {
	case p < 250:
		if s.do(e.SetStatus(now, m, presence.Away, [3]string{"Lunch", "Break", "Meeting"}[s.rng.IntN(3)])) {
			back(0, time.Minute, 20*time.Minute)
		}
	case p < 430:
		if s.do(e.SetClient(now, m, s.rng.IntN(2) == 0, s.rng.IntN(2) == 0)) {
			back(1, 10*time.Second, 5*time.Minute)
		}
	case p < 530:
		if s.do(e.SetChannel(now, m, [2]presence.Channel{presence.ChannelConversations, presence.ChannelPhone}[s.rng.IntN(2)])) {
			back(2, time.Minute, 10*time.Minute)
		}
	case p < 640:
		s.do(e.AddMember(now, s.team(), m))
	case p < 720:
		s.do(e.RemoveMember(now, s.team(), m))
	case p < 760:
		if s.do(e.RemoveTeammate(now, m)) {
			s.schedule(soakAction{at: now.Add(s.between(time.Minute, 30*time.Minute)), kind: soakRejoin, mate: m})
		}
	case p < 880:
		s.do(e.ReportAssignment(now, m))
	case p < 940:
		s.do(e.SetStatus(now, m, presence.Active, "")) // also "Switch to active"
	case p < 960:
		s.do(e.SetReassignReplies(now, m, s.rng.IntN(2) == 0))
	case p < 980:
		s.do(e.StartMessengerCall(now, m))
	case p < 985:
		s.do(e.SetWorkspaceOverride(now, schedule.OutOfOffice))
		s.schedule(soakAction{at: now.Add(s.between(10*time.Second, time.Minute)), kind: soakOverride, n: -1})
	default:
		i := s.rng.IntN(len(s.teams))
		s.do(e.SetTeamOverride(now, s.teams[i], schedule.OutOfOffice))
		s.schedule(soakAction{at: now.Add(s.between(10*time.Second, time.Minute)), kind: soakOverride, n: i})
	}
}

// checkNothingStuck checks X4 and X5 at a day's end: every call in
// progress is legitimately so (a deadline or a host action will move it
// on), no call has rung longer than the ring timeout, and no teammate is
// left "On a call" without one.
func (s *soakHost) checkNothingStuck() {
	e := s.e
	if err := checkInvariants(e); err != nil {
		s.t.Fatalf("at %v: %v", s.now, err)
	}
	for id, c := range e.calls.all() {
		if c.ended {
			continue
		}
		if c.ringing != nil && (c.ringUntil.After(s.now.Add(e.cfg.RingTimeout)) || !c.ringUntil.After(s.now)) {
			s.t.Fatalf("X4: call %s rings %s until %v at %v", id, c.ringing.id, c.ringUntil, s.now)
		}
		_, ring := e.timerUntil(timerKey{kind: timerRing, c: c})
		_, hold := e.timerUntil(timerKey{kind: timerHold, c: c})
		if !ring && !hold && s.pending[id] == 0 {
			s.t.Fatalf("X5: call %s is %v with nothing left to move it (agent %v)", id, c.stage, c.agent != nil)
		}
	}
	for id, t := range e.teammates {
		if t.pres.Status == presence.Away && t.pres.Reason == presence.ReasonOnACall && t.calls < e.cfg.CallLimit {
			s.t.Fatalf("X4: %s is On a call with %d calls", id, t.calls)
		}
	}
}

// Rule: X4, X5, X7, X9, AS5, AS12, LC2, LC3
func TestSoakWeek(t *testing.T) {
	days := 7
	if testing.Short() {
		days = 2
	}
	cfg := DefaultConfig()
	cfg.WrapUp = 20 * time.Second
	cfg.ShowTeamComposition = true
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// One-hour metric buckets, so the collector's memory is flat too.
	col, err := metrics.New(metrics.Config{Resolution: time.Minute, Retention: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	s := &soakHost{t: t, e: e, col: col, rng: rand.New(rand.NewPCG(20260302, 7)), now: t0,
		pending: map[pb.CallID]int{}, errs: map[error]int{},
		teams: []pb.TeamID{"sales", "support", "billing"}}
	for i, id := range s.teams {
		cfg := TeamConfig{MaxWait: 10 * time.Minute}
		switch i {
		case 1:
			cfg.MaxQueue = 25
		case 2:
			cfg.DeflectWhenNobodyOnline = true
		}
		if err := e.AddTeam(id, string(id), cfg); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 50 {
		id := pb.TeammateID("m" + strconv.Itoa(i))
		s.mates = append(s.mates, id)
		s.do(e.AddTeammate(t0, id, string(id), available()))
		s.do(e.AddMember(t0, s.teams[i%3], id))
		if i%4 == 0 {
			s.do(e.AddMember(t0, s.teams[(i+1)%3], id))
		}
	}
	s.schedule(soakAction{at: t0, kind: soakArrival})
	s.schedule(soakAction{at: t0, kind: soakChurn})

	type sizes struct{ heap, calls, timers, free int }
	var first sizes
	start := time.Now()
	for day := 1; day <= days; day++ {
		callsBefore := s.calls
		s.run(t0.Add(time.Duration(day) * 24 * time.Hour))
		s.checkNothingStuck()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		got := sizes{heap: int(ms.HeapAlloc), calls: e.calls.len(), timers: e.timers.Len(), free: len(e.free)}
		t.Logf("day %d: %d calls, heap %.1f MiB, engine calls %d, deadlines %d, free calls %d, host queue %d",
			day, s.calls-callsBefore, float64(got.heap)/(1<<20), got.calls, got.timers, got.free, len(s.queue))
		if day == 1 {
			first = got
			continue
		}
		flat := func(what string, d1, dn, slack int) {
			if float64(dn) > 1.5*float64(d1)+float64(slack) {
				t.Errorf("day %d: %s grew from %d on day 1 to %d", day, what, d1, dn)
			}
		}
		flat("heap", first.heap, got.heap, 4<<20)
		flat("engine calls", first.calls, got.calls, 200)
		flat("deadlines", first.timers, got.timers, 200)
		flat("free calls", first.free, got.free, 100)
	}
	t.Logf("%d calls, %d host actions in %v; late or racing commands refused: %v", s.calls, s.seq, time.Since(start).Round(time.Millisecond), s.errs)

	// The final drain: no new calls, everyone free and reachable, every
	// override lifted. Every call ends and every teammate is free.
	s.closing = true
	s.do(e.SetWorkspaceOverride(s.now, schedule.FollowHours))
	for _, id := range s.teams {
		s.do(e.SetTeamOverride(s.now, id, schedule.FollowHours))
	}
	for _, id := range s.mates {
		if _, ok := e.Teammate(id); !ok {
			s.do(e.AddTeammate(s.now, id, string(id), available()))
			s.do(e.AddMember(s.now, s.teams[0], id))
		}
		s.do(e.SetStatus(s.now, id, presence.Active, ""))
		s.do(e.SetClient(s.now, id, true, false))
		s.do(e.SetChannel(s.now, id, presence.ChannelAll))
	}
	s.run(s.now.Add(2 * time.Hour))
	if err := checkInvariants(e); err != nil {
		t.Fatal(err)
	}
	if len(s.queue) != 0 {
		t.Errorf("X5: %d host actions still pending after the drain", len(s.queue))
	}
	for id, c := range e.calls.all() {
		if !c.ended {
			t.Errorf("X5: call %s still %v after the drain", id, c.stage)
		}
	}
	for id, tm := range e.teammates {
		if tm.ringing != nil || tm.calls != 0 || tm.pres.Status != presence.Active || !tm.inTrees {
			t.Errorf("X4: %s not free after the drain: ringing %v, calls %d, %+v", id, tm.ringing != nil, tm.calls, tm.pres)
		}
	}
	if n := e.timers.Len(); n != 0 {
		t.Errorf("%d deadlines pending after the drain", n)
	}
	if e.calls.len() != 0 {
		t.Errorf("%d calls remembered after the drain", e.calls.len())
	}
	d := col.Dashboard(s.now)
	if d.InQueue != 0 || d.Active != 0 {
		t.Errorf("dashboard after the drain: in queue %d, active %d", d.InQueue, d.Active)
	}
}
