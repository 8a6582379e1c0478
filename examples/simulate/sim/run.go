package sim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/presence"
)

// Epoch is the engine time at which every run starts: 09:00 UTC on a
// Monday. Simulated time is counted from it; no clock is read.
var Epoch = time.Date(2025, time.January, 6, 9, 0, 0, 0, time.UTC)

// team is the one team every simulated teammate belongs to.
const team pb.TeamID = "support"

// BreakReason is the away reason of a simulated teammate's break.
const BreakReason = "Break"

// callStage is where a simulated call is, from the model's point of view.
type callStage uint8

const (
	csRouting   callStage = iota + 1 // placed, in the IVR
	csWaiting                        // queued or ringing
	csTalking                        // answered
	csDeflected                      // deflected, about to be ended
	csEnded
)

type simCall struct {
	placed, answered int64 // simulated ns
	ringGen          uint32
	ringTm, agent    int32 // teammate index, -1 for none
	stage            callStage
	counted          bool // placed after the warm-up
}

type simTeammate struct {
	id           pb.TeammateID
	class        tmClass
	talking      bool
	breakPending bool // a break is due when the current call ends
}

// tmClass classifies a teammate's status for the occupancy integrals.
type tmClass uint8

const (
	tmAvailable tmClass = iota // Active: idle or ringing
	tmBusy                     // Away on a call or in wrap-up
	tmBreak                    // Away for any other reason
	nClasses
)

type runner struct {
	cfg Config
	eng *assign.Engine
	q   eventQueue
	res *Result

	arrivals, customers, teammates *rand.Rand

	calls []simCall
	tms   []simTeammate
	live  int // calls not yet ended

	now        int64
	warmUp     int64
	end        int64 // of the staffed day
	nClass     [nClasses]int
	lastInt    int64
	area       [nClasses]int64
	waiting    int
	active     int
	nextSample int64
	every      int64

	probe     int32 // the call whose queueing command is running, or -1
	probeRang bool  // a Ring effect for it came from that command
}

// Run simulates the day described by cfg and returns what it measured. It
// returns an error if cfg is invalid or if the engine refuses a command
// the model believes valid, which would be a bug in one of them.
func Run(cfg Config) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	r, err := newRunner(cfg)
	if err != nil {
		return nil, err
	}
	if err := r.loop(); err != nil {
		return nil, fmt.Errorf("sim: at %v: %w", time.Duration(r.now), err)
	}
	return r.finish(), nil
}

func newRunner(cfg Config) (*runner, error) {
	ecfg := assign.DefaultConfig()
	ecfg.RingTimeout, ecfg.WrapUp, ecfg.AutoAnswer = cfg.RingTimeout, cfg.WrapUp, cfg.AutoAnswer
	eng, err := assign.New(ecfg)
	if err != nil {
		return nil, err
	}
	r := &runner{
		cfg: cfg, eng: eng, res: &Result{Config: cfg},
		// Independent streams, so that changing one behaviour (say, the
		// decline rate) leaves the arrivals and handle times alone.
		arrivals:  rand.New(rand.NewPCG(cfg.Seed, 0x61727269)),
		customers: rand.New(rand.NewPCG(cfg.Seed, 0x63757374)),
		teammates: rand.New(rand.NewPCG(cfg.Seed, 0x7465616d)),
		warmUp:    int64(cfg.WarmUp),
		end:       int64(cfg.Duration),
		every:     int64(cfg.SampleEvery),
		probe:     -1,
	}
	if r.every == 0 {
		r.every = max(int64(time.Minute), int64(cfg.Duration)/500)
	}
	r.lastInt = r.warmUp
	r.calls = make([]simCall, 0, int(cfg.Rate*cfg.Duration.Hours()*1.05)+16)
	err = eng.AddTeam(team, "Support", assign.TeamConfig{
		MaxQueue: cfg.MaxQueue, MaxWait: cfg.MaxWait, DeflectWhenNobodyOnline: cfg.DeflectWhenNobodyOnline,
	})
	if err != nil {
		return nil, err
	}
	active := presence.State{Channel: presence.ChannelAll, Status: presence.Active, ClientOpen: true}
	r.tms = make([]simTeammate, cfg.Teammates)
	r.res.Teammates = make([]TeammateResult, cfg.Teammates)
	for i := range r.tms {
		id := pb.TeammateID(fmt.Sprintf("t%04d", i))
		r.tms[i] = simTeammate{id: id, class: tmAvailable}
		r.res.Teammates[i].ID = id
		if err := eng.AddTeammate(Epoch, id, "Teammate "+strconv.Itoa(i), active); err != nil {
			return nil, err
		}
		if err := eng.AddMember(Epoch, team, id); err != nil {
			return nil, err
		}
		r.scheduleBreak(int32(i))
	}
	r.nClass[tmAvailable] = cfg.Teammates
	r.eng.Ready() // nothing to act on: no calls yet
	r.scheduleArrival()
	return r, nil
}

// exp draws an exponential duration with the given mean, in ns.
func exp(rng *rand.Rand, mean time.Duration) int64 {
	return int64(rng.ExpFloat64() * float64(mean))
}

func (r *runner) at(ns int64) time.Time { return Epoch.Add(time.Duration(ns)) }

func (r *runner) scheduleArrival() {
	if r.cfg.Rate <= 0 {
		return
	}
	next := r.now + exp(r.arrivals, time.Duration(float64(time.Hour)/r.cfg.Rate))
	if next < r.end {
		r.q.push(event{at: next, kind: evArrive})
	}
}

func (r *runner) scheduleBreak(tm int32) {
	if r.cfg.AwayRate <= 0 {
		return
	}
	next := r.now + exp(r.teammates, time.Duration(float64(time.Hour)/r.cfg.AwayRate))
	if next < r.end {
		r.q.push(event{at: next, kind: evAway, tm: tm})
	}
}

// loop runs the day: it always moves the engine to the earlier of its own
// next deadline and the model's next event, deadlines first on a tie (the
// engine would fire them first anyway, as every command does).
func (r *runner) loop() error {
	for {
		dl, haveDl := r.eng.NextDeadline()
		haveEv := r.q.len() > 0
		if !haveEv && (r.live == 0 || !haveDl) {
			break
		}
		if haveDl && (!haveEv || dl.Sub(Epoch) <= time.Duration(r.q.peek().at)) {
			r.step(int64(dl.Sub(Epoch)))
			if err := r.eng.Advance(dl); err != nil {
				return err
			}
		} else {
			ev := r.q.pop()
			r.step(ev.at)
			if err := r.handle(ev); err != nil {
				return fmt.Errorf("%v call %d teammate %d: %w", ev.kind, ev.call, ev.tm, err)
			}
		}
		r.res.Steps++
		r.drain()
	}
	if r.live > 0 {
		return fmt.Errorf("%d calls still open with nothing left to happen", r.live)
	}
	return nil
}

// step moves the model's clock to now, sampling the series and
// integrating the teammates' time up to it.
func (r *runner) step(now int64) {
	for r.nextSample <= now {
		r.sample(r.nextSample)
		r.nextSample += r.every
	}
	if lo, hi := r.lastInt, min(now, r.end); hi > lo {
		for k, n := range r.nClass {
			r.area[k] += int64(n) * (hi - lo)
		}
		r.lastInt = hi
	}
	r.now = now
}

func (r *runner) sample(at int64) {
	r.res.Series = append(r.res.Series, Sample{At: time.Duration(at), Waiting: r.waiting,
		Active: r.active, Away: r.nClass[tmBreak]})
}

func (r *runner) handle(ev event) error {
	now := r.at(r.now)
	switch ev.kind {
	case evArrive:
		return r.arrive(now)
	case evRouted:
		if r.calls[ev.call].stage != csRouting {
			return nil // the customer hung up during routing
		}
		return r.queue(ev.call, func() error { return r.eng.QueueCall(now, callID(ev.call), team) })
	case evAnswer, evDecline:
		c := &r.calls[ev.call]
		if c.stage != csWaiting || c.ringTm != ev.tm || c.ringGen != ev.gen {
			return nil // the ring ended before the teammate reacted
		}
		if ev.kind == evDecline {
			return r.eng.Decline(now, callID(ev.call), r.tms[ev.tm].id, declineButton)
		}
		return r.answer(now, ev.call, ev.tm)
	case evPatience:
		return r.hangUp(now, ev.call)
	case evEnd:
		return r.endCall(now, ev.call)
	case evDeflected:
		r.calls[ev.call].stage = csEnded
		r.live--
		return r.eng.EndCall(now, callID(ev.call), bySystem)
	case evAway:
		return r.goAway(now, ev.tm)
	case evBack:
		if err := r.eng.SetStatus(now, r.tms[ev.tm].id, presence.Active, ""); err != nil {
			return err
		}
		r.scheduleBreak(ev.tm)
		return nil
	}
	panic(fmt.Sprintf("sim: unknown event kind %d", ev.kind))
}

func (r *runner) arrive(now time.Time) error {
	r.scheduleArrival()
	i := int32(len(r.calls))
	r.calls = append(r.calls, simCall{placed: r.now, ringTm: -1, agent: -1, stage: csRouting,
		counted: r.now >= r.warmUp})
	r.live++
	if r.calls[i].counted {
		r.res.Calls++
	}
	if r.cfg.Patience > 0 {
		r.q.push(event{at: r.now + exp(r.customers, r.cfg.Patience), kind: evPatience, call: i})
	}
	if r.cfg.Routing > 0 {
		r.q.push(event{at: r.now + exp(r.customers, r.cfg.Routing), kind: evRouted, call: i})
		return r.eng.PlaceCall(now, callID(i))
	}
	return r.queue(i, func() error { return r.eng.Arrive(now, callID(i), team) })
}

// queue runs the command that queues call i and records whether it rang
// a teammate at once (offered on arrival) or had to wait.
func (r *runner) queue(i int32, cmd func() error) error {
	r.probe, r.probeRang = i, false
	err := cmd()
	r.drain()
	r.probe = -1
	if err != nil {
		return err
	}
	c := &r.calls[i]
	if c.stage != csRouting {
		return nil // deflected
	}
	c.stage = csWaiting
	r.waiting++
	r.res.MaxWaiting = max(r.res.MaxWaiting, r.waiting)
	if c.counted {
		r.res.Queued++
		if r.probeRang {
			r.res.OfferedOnArrival++
		}
	}
	return nil
}

func (r *runner) answer(now time.Time, ci, ti int32) error {
	if err := r.eng.Answer(now, callID(ci), r.tms[ti].id); err != nil {
		return err
	}
	c := &r.calls[ci]
	c.stage, c.agent, c.answered, c.ringTm = csTalking, ti, r.now, -1
	r.waiting--
	r.active++
	r.tms[ti].talking = true
	if c.counted {
		wait := time.Duration(r.now - c.placed)
		r.res.Answered++
		r.res.AnswerTimes = append(r.res.AnswerTimes, wait)
		r.res.AnswerTimeSum += wait
		if wait <= r.cfg.ServiceLevelTarget {
			r.res.WithinTarget++
		}
		r.res.Teammates[ti].Answered++
	}
	r.q.push(event{at: r.now + exp(r.customers, r.cfg.HandleTime), kind: evEnd, call: ci})
	return nil
}

func (r *runner) hangUp(now time.Time, ci int32) error {
	c := &r.calls[ci]
	if c.stage != csRouting && c.stage != csWaiting {
		return nil // answered, deflected or ended already
	}
	if err := r.eng.HangUp(now, callID(ci)); err != nil {
		return err
	}
	if c.stage == csWaiting {
		r.waiting--
	}
	if c.counted {
		r.res.Abandoned++
		if c.stage == csRouting {
			r.res.AbandonedRouting++
		}
	}
	c.stage = csEnded
	r.live--
	return nil
}

func (r *runner) endCall(now time.Time, ci int32) error {
	if tm := &r.tms[r.calls[ci].agent]; tm.breakPending {
		// The break starts as the call ends, instead of wrap-up: the
		// status chosen during a call outlasts it (rule PR6).
		tm.breakPending = false
		if err := r.takeBreak(now, r.calls[ci].agent); err != nil {
			return err
		}
	}
	if err := r.eng.EndCall(now, callID(ci), byTeammate); err != nil {
		return err
	}
	c := &r.calls[ci]
	c.stage = csEnded
	r.live--
	r.active--
	r.tms[c.agent].talking = false
	if c.counted {
		talk := time.Duration(r.now - c.answered)
		r.res.TalkTime += talk
		r.res.Teammates[c.agent].TalkTime += talk
	}
	return nil
}

// goAway starts a teammate's break; one on a call finishes it first. One
// whose phone is ringing declines the call by going away (rule AS8).
func (r *runner) goAway(now time.Time, ti int32) error {
	if r.tms[ti].talking {
		r.tms[ti].breakPending = true
		return nil
	}
	return r.takeBreak(now, ti)
}

func (r *runner) takeBreak(now time.Time, ti int32) error {
	if err := r.eng.SetStatus(now, r.tms[ti].id, presence.Away, BreakReason); err != nil {
		return err
	}
	r.q.push(event{at: r.now + exp(r.teammates, r.cfg.AwayTime), kind: evBack, tm: ti})
	return nil
}

func (r *runner) finish() *Result {
	r.step(max(r.now, r.end))
	r.sample(r.now)
	res := r.res
	res.End = time.Duration(r.now)
	res.BusyTime = time.Duration(r.area[tmBusy])
	res.AvailableTime = time.Duration(r.area[tmAvailable])
	res.BreakTime = time.Duration(r.area[tmBreak])
	slices.Sort(res.AnswerTimes)
	return res
}

// callID names call i; parseCall reverses it without allocating.
func callID(i int32) pb.CallID { return pb.CallID("c" + strconv.Itoa(int(i))) }

func parseCall(id pb.CallID) int32 { return int32(parseIndex(string(id))) }

func parseTeammate(id pb.TeammateID) int32 { return int32(parseIndex(string(id))) }

// parseIndex reads the decimal index after the one-letter prefix of the
// IDs this package makes.
func parseIndex(s string) int {
	n := 0
	for i := 1; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
