package assign

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/metrics"
	"github.com/phonebalance/phonebalance/presence"
	"github.com/phonebalance/phonebalance/schedule"
)

// The fuzz input is a header and then commands of five bytes each:
//
//	header: workspace config (2 bytes), the three teams' configs (3),
//	        which of the four starting teammates joins which team (2)
//	command: op, time step, call, teammate, extra
//
// The decoder reads the engine's state to aim a byte at something that
// exists (the call ringing, the teammate it rings, a fresh call ID), so
// short inputs reach deep states; other values name fixed IDs, unknown
// ones, empty ones and undeclared enum values, so every error path is
// reachable too. Bytes past the end read as zero.

// fuzzSentinels are every error the engine documents.
var fuzzSentinels = []error{
	ErrInvalidConfig, ErrInvalidArgument, ErrTimeWentBackwards, ErrTimeOutOfRange, ErrTestWorkspace,
	ErrUnknownTeammate, ErrUnknownTeam, ErrUnknownCall,
	ErrDuplicateTeammate, ErrDuplicateTeam, ErrDuplicateCall, ErrDuplicateMember, ErrNotMember,
	ErrNotRinging, ErrDeclineUnavailable, ErrWrongState, ErrCallEnded, ErrTeammateBusy,
}

func isSentinel(err error) bool {
	for _, s := range fuzzSentinels {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

var (
	fuzzStart     = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	fuzzTeammates = []pb.TeammateID{"ana", "ben", "cy", "dee", "eve"}
	fuzzTeams     = []pb.TeamID{"t0", "t1", "t2", "t3"}
	// Time mostly moves forward in small steps (a time byte with bits 3
	// to 5 not all set), sometimes in big ones that include the ring
	// timeout and the exclusion period exactly, and sometimes back.
	fuzzSmallSteps = [8]time.Duration{0, 0, time.Second, time.Second, 2 * time.Second, 3 * time.Second,
		5 * time.Second, 10 * time.Second}
	fuzzBigSteps = [8]time.Duration{29 * time.Second, 30 * time.Second, 31 * time.Second, time.Minute,
		4*time.Minute + 59*time.Second, 5 * time.Minute, 11 * time.Minute, -time.Second}
	fuzzChannels = [8]presence.Channel{presence.ChannelAll, presence.ChannelPhone, presence.ChannelConversations,
		presence.ChannelAll, presence.ChannelPhone, presence.ChannelConversations, 0, 9}
	fuzzCauses = [8]eventlog.DeclineCause{eventlog.DeclineButton, eventlog.DeclineBusy, eventlog.DeclineConnectivity,
		eventlog.DeclineWentAway, eventlog.DeclineButton, eventlog.DeclineBusy, 0, 9}
	fuzzParties = [8]eventlog.Party{eventlog.ByCustomer, eventlog.ByCustomer, eventlog.ByTeammate, eventlog.BySystem,
		eventlog.ByCustomer, eventlog.ByTeammate, eventlog.BySystem, 0}
)

// hotOps are drawn by op bytes from 0x80: the commands that move calls.
var hotOps = [16]Op{OpArrive, OpArrive, OpAnswer, OpAnswer, OpAnswer, OpDecline, OpAdvance, OpEndCall,
	OpEndCall, OpTransfer, OpHold, OpManualAnswer, OpQueueCall, OpCustomerAnswered, OpSetStatus, OpSetClient}

// callStages are the stages an op applies to, for aiming its call byte.
var callStages = map[Op][]eventlog.Stage{
	OpQueueCall:         {eventlog.StageRouting},
	OpForwardUnanswered: {eventlog.StageRouting},
	OpAnswer:            {eventlog.StageRinging},
	OpDecline:           {eventlog.StageRinging},
	OpManualAnswer:      {eventlog.StageQueued},
	OpHold:              {eventlog.StageTalking},
	OpResume:            {eventlog.StageOnHold},
	OpTransfer:          {eventlog.StageTalking, eventlog.StageOnHold},
	OpBarge:             {eventlog.StageTalking, eventlog.StageOnHold},
	OpVoicemail:         {eventlog.StageRouting, eventlog.StageQueued, eventlog.StageRinging},
	OpRecordVoicemail:   {eventlog.StageVoicemail},
	OpRequestCallback:   {eventlog.StageRouting, eventlog.StageQueued, eventlog.StageRinging, eventlog.StageVoicemail},
	OpCustomerAnswered:  {eventlog.StageDialing},
	OpQueueCallback:     {eventlog.StageQueued, eventlog.StageRinging},
	// Aimed at callbacks only (see fuzzCommand).
	OpCallbackUnreached: {eventlog.StageRouting, eventlog.StageQueued, eventlog.StageRinging, eventlog.StageTalking,
		eventlog.StageOnHold, eventlog.StageVoicemail},
}

// creates are the ops that take a new call ID.
var creates = map[Op]bool{OpPlaceCall: true, OpArrive: true, OpPlaceOutbound: true}

type fuzzBytes struct {
	data []byte
	i    int
}

func (d *fuzzBytes) next() byte {
	if d.i >= len(d.data) {
		d.i++
		return 0
	}
	b := d.data[d.i]
	d.i++
	return b
}

func (d *fuzzBytes) more() bool { return d.i < len(d.data) }

// fuzzConfig decodes the workspace config.
func fuzzConfig(b0, b1 byte) Config {
	cfg := DefaultConfig()
	cfg.AutoAnswer = b0&1 != 0
	if b0&2 != 0 {
		cfg.CallLimit = 2
	}
	cfg.WrapUp = [4]time.Duration{0, 0, 20 * time.Second, 2 * time.Minute}[b0>>2&3]
	cfg.ShowTeamComposition = b0&0x10 != 0
	cfg.TestWorkspace = b0&0x60 == 0x60
	if b0&0x80 != 0 {
		cfg.EndedCallRetention = 0
	}
	cfg.ExclusionPeriod = [4]time.Duration{5 * time.Minute, 5 * time.Minute, time.Minute, 0}[b1&3]
	cfg.RingTimeout = [4]time.Duration{30 * time.Second, 30 * time.Second, 30 * time.Second, 10 * time.Second}[b1>>2&3]
	return cfg
}

// fuzzTeamConfig decodes a team's config; the header's never fails, the
// command stream's may (negative values).
func fuzzTeamConfig(b byte, bad bool) TeamConfig {
	mq := [4]int{0, 0, 0, 2}
	mw := [4]time.Duration{0, 0, 45 * time.Second, 2 * time.Minute}
	if bad {
		mq[1], mw[1] = -1, -time.Second
	}
	cfg := TeamConfig{MaxQueue: mq[b&3], MaxWait: mw[b>>2&3], DeflectWhenNobodyOnline: b&0x30 == 0x30}
	if b&0xC0 == 0xC0 {
		cfg.Hours.Override = schedule.OutOfOffice
	}
	return cfg
}

// fuzzHeader returns the engine's config and the setup commands.
func fuzzHeader(d *fuzzBytes) (Config, []Command) {
	cfg := fuzzConfig(d.next(), d.next())
	var cmds []Command
	for i := range 3 {
		cmds = append(cmds, Command{Op: OpAddTeam, At: fuzzStart, Team: fuzzTeams[i], Name: string(fuzzTeams[i]),
			TeamConfig: fuzzTeamConfig(d.next(), false)})
	}
	for _, id := range fuzzTeammates[:4] {
		cmds = append(cmds, Command{Op: OpAddTeammate, At: fuzzStart, Teammate: id, Name: string(id),
			Presence: presence.State{Channel: presence.ChannelAll, Status: presence.Active, ClientOpen: true}})
	}
	mask := uint16(d.next()) | uint16(d.next())<<8
	if mask == 0 {
		mask = 0b1111 // everyone in t0
	}
	for team := range 3 {
		for i, id := range fuzzTeammates[:4] {
			if mask&(1<<(team*4+i)) != 0 {
				cmds = append(cmds, Command{Op: OpAddMember, At: fuzzStart, Team: fuzzTeams[team], Teammate: id})
			}
		}
	}
	return cfg, cmds
}

// fuzzCommand decodes the next command against the engine's state.
func fuzzCommand(d *fuzzBytes, e *Engine) Command {
	ob, tb, cb, mb, xb := d.next(), d.next(), d.next(), d.next(), d.next()
	ops := Ops()
	var op Op
	if ob >= 0x80 {
		op = hotOps[ob&15]
	} else {
		op = ops[int(ob)%len(ops)]
	}
	step := fuzzSmallSteps[tb&7]
	if tb&0x38 == 0x38 {
		step = fuzzBigSteps[tb&7]
	}
	cmd := Command{Op: op, At: e.Now().Add(step)}

	// The call: aimed at a call in a stage the op applies to (mostly, for
	// ops that apply to some stages only), at a fresh ID, or one of eight
	// fixed IDs (ended ones included), or empty.
	var target *call
	switch {
	case cb&0x80 != 0 && creates[op]:
		for i := range 12 {
			id := pb.CallID(fmt.Sprintf("c%d", i))
			if e.calls.get(id) == nil {
				cmd.Call = id
				break
			}
		}
	case cb&0xC0 != 0 && callStages[op] != nil, cb&0x80 != 0:
		var match []*call
		for _, c := range e.calls.sorted() {
			stages, aimed := callStages[op]
			if !c.ended && (!aimed || slices.Contains(stages, c.stage)) && (op != OpCallbackUnreached || c.callback) {
				match = append(match, c)
			}
		}
		if len(match) > 0 {
			target = match[int(cb&0x7f)%len(match)]
			cmd.Call = target.id
		}
	case cb == 0x7f:
		cmd.Call = ""
	default:
		cmd.Call = pb.CallID(fmt.Sprintf("c%d", cb&7))
	}
	if target == nil {
		target = e.calls.get(cmd.Call)
	}

	// The teammate: a fixed one, one aimed by the op (the one the call
	// rings, a free member of its team, someone free), an unknown one or
	// an empty one. Ops that name the call's teammate mostly aim.
	k := mb & 7
	if (op == OpAnswer || op == OpDecline || op == OpManualAnswer || op == OpPlaceOutbound) && mb&0xC0 != 0xC0 {
		k = 4
	}
	switch {
	case k <= 3:
		cmd.Teammate = fuzzTeammates[k]
	case k <= 6:
		cmd.Teammate = fuzzAim(e, op, target)
	default:
		cmd.Teammate = [4]pb.TeammateID{"eve", "eve", "zed", ""}[mb>>6]
	}

	// The team and the op's own fields, from the extra byte. A call is
	// mostly sent to the team with the most eligible members.
	cmd.Team = fuzzTeams[xb&3]
	if xb&3 == 3 && xb&0x80 != 0 {
		cmd.Team = ""
	}
	if (op == OpArrive || op == OpQueueCall || op == OpTransfer) && xb&0x60 != 0 {
		best := -1
		for _, id := range sortedKeys(e.teams) {
			if n := e.teams[id].eligible.Len(); n > best {
				cmd.Team, best = id, n
			}
		}
	}
	switch op {
	case OpAddTeam:
		cmd.Name = string(cmd.Team)
		cmd.TeamConfig = fuzzTeamConfig(mb, true)
	case OpSetTeamConfig:
		cmd.TeamConfig = fuzzTeamConfig(xb>>2|mb&0xC0, true)
	case OpSetWorkspaceConfig:
		cmd.Config = e.Config()
		cmd.Config.AutoAnswer, cmd.Config.ShowTeamComposition = xb&1 != 0, xb&2 != 0
		cmd.Config.Hours.Override = [4]schedule.Override{schedule.FollowHours, schedule.ForceOpen,
			schedule.OutOfOffice, 3}[xb>>2&3]
		if xb&0xF0 == 0xF0 {
			cmd.Config.RingTimeout += time.Second // cannot change: refused
		}
	case OpSetTeamOverride, OpSetWorkspaceOverride:
		cmd.Override = [8]schedule.Override{schedule.FollowHours, schedule.FollowHours, schedule.ForceOpen,
			schedule.ForceOpen, schedule.FollowHours, schedule.OutOfOffice, 3, schedule.FollowHours}[xb>>2&7]
	case OpAddTeammate:
		cmd.Name = string(cmd.Teammate)
		cmd.Presence = presence.State{Channel: fuzzChannels[xb&7], Status: presence.Active,
			ClientOpen: xb&0x20 == 0, Backgrounded: xb&0x40 != 0}
		switch xb >> 3 & 3 {
		case 2:
			cmd.Presence.Status, cmd.Presence.Reason = presence.Away, "Lunch"
		case 3:
			cmd.Presence.Status = 0
		}
		if xb&0x80 != 0 {
			cmd.Presence.WrapUpUntil = cmd.At.Add(time.Minute)
		}
	case OpSetStatus:
		switch xb & 7 {
		case 0, 1, 2, 3:
			cmd.Status = presence.Active
		case 4:
			cmd.Status, cmd.Reason = presence.Away, "Lunch"
		case 5:
			cmd.Status, cmd.Reason = presence.Away, [2]string{"Meeting", presence.ReasonOnACall}[xb>>3&1]
		case 6:
			cmd.Status, cmd.Reason = presence.Away, presence.ReasonWrapUp
		case 7:
			switch xb >> 3 % 3 {
			case 0:
				cmd.Status = 0
			case 1:
				cmd.Status = presence.Away
			case 2:
				cmd.Status, cmd.Reason = presence.Active, "Lunch"
			}
		}
	case OpSetChannel:
		cmd.Channel = fuzzChannels[xb&7]
	case OpSetClient:
		cmd.Open, cmd.Background = xb&7 != 0, xb>>3&7 == 0
	case OpSetReassignReplies:
		cmd.On = xb&1 != 0
	case OpDecline:
		cmd.Decline = fuzzCauses[xb&7]
	case OpEndCall:
		cmd.By = fuzzParties[xb&7]
	case OpCustomerAnswered:
		cmd.Voicemail = xb&1 != 0
	}
	return cmd
}

// fuzzAim picks the teammate an op on target most likely succeeds with.
func fuzzAim(e *Engine, op Op, target *call) pb.TeammateID {
	free := func(t *teammate) bool { return t.ringing == nil && t.calls < e.cfg.CallLimit }
	switch {
	case target != nil && target.ringing != nil:
		return target.ringing.id
	case op == OpManualAnswer && target != nil && target.team != nil:
		for _, t := range target.team.members {
			if free(t) {
				return t.id
			}
		}
	case op == OpPlaceOutbound:
		for _, id := range sortedKeys(e.teammates) {
			if free(e.teammates[id]) {
				return id
			}
		}
	case target != nil && target.agent != nil && op != OpBarge:
		return target.agent.id
	}
	return "ana"
}

// fuzzStats counts, per op, the commands applied and those that succeeded.
type fuzzStats struct {
	tried, ok [opEnd]int
}

// runFuzzInput applies the commands data decodes to, checking after each
// that nothing panicked, every error is a documented sentinel and changed
// nothing, the invariants hold and the metrics accept the events.
func runFuzzInput(t testing.TB, data []byte, stats *fuzzStats) {
	d := &fuzzBytes{data: data}
	cfg, setup := fuzzHeader(d)
	e, err := New(cfg)
	if err != nil {
		t.Fatalf("config %+v: %v", cfg, err)
	}
	col, err := metrics.New(metrics.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	var log []string
	fatal := func(format string, args ...any) {
		t.Helper()
		tail := log[max(0, len(log)-40):]
		t.Fatalf("config %+v\nlast commands:\n%s\n%s", cfg, strings.Join(tail, "\n"), fmt.Sprintf(format, args...))
	}
	observe := func(r Ready) {
		t.Helper()
		for _, ev := range r.Events {
			if err := col.Observe(ev); err != nil {
				fatal("metrics refused event %+v: %v", ev, err)
			}
		}
	}
	apply := func(cmd Command) {
		t.Helper()
		log = append(log, fuzzString(cmd))
		if !cmd.At.Before(e.Now()) {
			if err := e.Advance(cmd.At); err != nil {
				fatal("Advance(%v): %v", cmd.At, err)
			}
			observe(e.Ready())
			if err := checkInvariants(e); err != nil {
				fatal("after advancing to %v: %v", cmd.At, err)
			}
		}
		before := snapshot(e)
		err := e.Apply(cmd)
		r := e.Ready()
		if stats != nil {
			stats.tried[cmd.Op]++
		}
		if err != nil {
			log[len(log)-1] += " → " + err.Error()
			if !isSentinel(err) {
				fatal("%v returned an undocumented error: %v", cmd.Op, err)
			}
			if after := snapshot(e); after != before {
				fatal("%v failed (%v) but changed the state:\nbefore:\n%s\nafter:\n%s", cmd.Op, err, before, after)
			}
			if !r.Empty() {
				fatal("%v failed (%v) but produced %+v", cmd.Op, err, r)
			}
		} else {
			if cmd.At.Before(e.Now()) && cmd.Op != OpAddTeam {
				fatal("%v at %v, before the engine's %v, succeeded", cmd.Op, cmd.At, e.Now())
			}
			if stats != nil {
				stats.ok[cmd.Op]++
			}
		}
		observe(r)
		if err := checkInvariants(e); err != nil {
			fatal("after %v: %v", cmd.Op, err)
		}
	}
	for _, cmd := range setup {
		apply(cmd)
	}
	for n := 0; d.more() && n < 400; n++ {
		apply(fuzzCommand(d, e))
	}
}

// FuzzEngine applies arbitrary command sequences: Apply never panics,
// errors are documented and change nothing, invariants always hold and
// the event stream always has the shape the metrics expect.
// Rule: X1, X2, X3, X4, X5, AS4, AS5, AS7, AS9, AS12, LC2, DF1, DF5
func FuzzEngine(f *testing.F) {
	for _, seed := range fuzzSeeds() {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		runFuzzInput(t, data, nil)
	})
}

// fuzzStep is one command of a seed, in the encoding above.
type fuzzStep struct {
	op       Op
	step     byte // time byte
	call     byte
	teammate byte
	extra    byte
}

// Readable names for seed bytes.
const (
	aimCall  = 0x80 // call byte: the first call in a stage the op applies to, or a fresh ID
	rungMate = 4    // teammate byte: the teammate the call rings or is with
	dt0      = 0
	dt1s     = 2
	dt5s     = 6
	dt29s    = 0x38
	dt30s    = 0x39
	dt1m     = 0x3B
	dt5m     = 0x3D
	dtBack   = 0x3F
)

func fuzzEncode(header [7]byte, steps ...fuzzStep) []byte {
	out := append([]byte(nil), header[:]...)
	for _, s := range steps {
		out = append(out, byte(s.op-1), s.step, s.call, s.teammate, s.extra)
	}
	return out
}

// fuzzSeeds are short scripts through the rules' main paths.
func fuzzSeeds() [][]byte {
	plain := [7]byte{}
	return [][]byte{
		// Ring, miss at exactly 30 s, ring the next, answer, hold, resume, end.
		fuzzEncode(plain,
			fuzzStep{OpArrive, dt0, aimCall, 0, 0},
			fuzzStep{OpAdvance, dt30s, 0, 0, 0},
			fuzzStep{OpAnswer, dt1s, aimCall, rungMate, 0},
			fuzzStep{OpHold, dt5s, aimCall, 0, 0},
			fuzzStep{OpResume, dt5s, aimCall, 0, 0},
			fuzzStep{OpEndCall, dt1m, aimCall, 0, 2}),
		// Declines by every cause until the exclusions lapse at 5 min.
		fuzzEncode([7]byte{0, 0, 0, 0, 0, 0b0011, 0},
			fuzzStep{OpArrive, dt0, aimCall, 0, 0},
			fuzzStep{OpDecline, dt1s, aimCall, rungMate, 0},
			fuzzStep{OpDecline, dt1s, aimCall, rungMate, 1},
			fuzzStep{OpAdvance, dt5m, 0, 0, 0},
			fuzzStep{OpDecline, dt29s, aimCall, rungMate, 2},
			fuzzStep{OpAnswer, dt1s, aimCall, rungMate, 0}),
		// Transfers between teams with wrap-up, then a hang-up.
		fuzzEncode([7]byte{0b1000, 0, 0, 0, 0, 0b0011_0011, 0b0100},
			fuzzStep{OpArrive, dt0, aimCall, 0, 0},
			fuzzStep{OpAnswer, dt1s, aimCall, rungMate, 0},
			fuzzStep{OpTransfer, dt1m, aimCall, 0, 1},
			fuzzStep{OpAnswer, dt5s, aimCall, rungMate, 0},
			fuzzStep{OpTransfer, dt1m, aimCall, 0, 0},
			fuzzStep{OpEndCall, dt1m, aimCall, 0, 0}),
		// Deflections: a full queue, a hold timeout, nobody online, out of
		// office.
		fuzzEncode([7]byte{0, 0, 0b1011, 0b110000, 0, 0b0001, 0},
			fuzzStep{OpArrive, dt0, aimCall, 0, 0},
			fuzzStep{OpArrive, dt0, aimCall, 0, 0},
			fuzzStep{OpArrive, dt0, aimCall, 0, 0},
			fuzzStep{OpAdvance, dt1m, 0, 0, 0},
			fuzzStep{OpArrive, dt0, aimCall, 0, 1},
			fuzzStep{OpSetWorkspaceOverride, dt1s, 0, 0, 5 << 2},
			fuzzStep{OpArrive, dt0, aimCall, 0, 0}),
		// Auto-answer, going away while rung, outbound, voicemail, callback.
		fuzzEncode([7]byte{0b11, 0, 0, 0, 0, 0b0011, 0},
			fuzzStep{OpArrive, dt0, aimCall, 0, 0},
			fuzzStep{OpDecline, dt1s, aimCall, rungMate, 0},
			fuzzStep{OpSetStatus, dt1s, aimCall, rungMate, 4},
			fuzzStep{OpPlaceOutbound, dt1s, aimCall, 2, 0},
			fuzzStep{OpCustomerAnswered, dt5s, aimCall, 0, 1},
			fuzzStep{OpPlaceCall, dt1s, aimCall, 0, 0},
			fuzzStep{OpVoicemail, dt1s, aimCall, 0, 0},
			fuzzStep{OpRecordVoicemail, dt1s, aimCall, 0, 0},
			fuzzStep{OpRecordVoicemail, dt1s, aimCall, 0, 0},
			fuzzStep{OpPlaceCall, dt1s, aimCall, 0, 0},
			fuzzStep{OpRequestCallback, dt1s, aimCall, 0, 0},
			fuzzStep{OpArrive, dtBack, aimCall, 0, 0}),
		// Callbacks keeping their place: one answered and unreached, one
		// deflected by the hold timeout (t0's MaxWait 45 s) and unreached
		// from routing, one requested while ringing and missed.
		fuzzEncode([7]byte{0, 0, 0b1000, 0, 0, 0b0001, 0},
			fuzzStep{OpArrive, dt0, aimCall, 0, 0},
			fuzzStep{OpQueueCallback, dt1s, aimCall, 0, 0},
			fuzzStep{OpAnswer, dt5s, aimCall, rungMate, 0},
			fuzzStep{OpCallbackUnreached, dt5s, aimCall, 0, 0},
			fuzzStep{OpArrive, dt0, aimCall, 0, 0},
			fuzzStep{OpArrive, dt0, aimCall, 0, 0},
			fuzzStep{OpQueueCallback, dt1s, aimCall | 1, 0, 0},
			fuzzStep{OpAdvance, dt1m, 0, 0, 0},
			fuzzStep{OpCallbackUnreached, dt1s, aimCall, 0, 0},
			fuzzStep{OpQueueCallback, dt1s, aimCall, 0, 0},
			fuzzStep{OpAdvance, dt30s, 0, 0, 0}),
	}
}

// TestFuzzDecoderReachesEveryOp measures what the decoder reaches on
// random inputs: every op must succeed some of the time, so the fuzzer
// explores states rather than error paths only. It also runs the fuzz
// checks over those inputs.
func TestFuzzDecoderReachesEveryOp(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	runs := 300
	if testing.Short() {
		runs = 60
	}
	var stats fuzzStats
	for range runs {
		data := make([]byte, 7+5*rng.IntN(120))
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		if rng.IntN(4) > 0 {
			data[0] &^= 0x60 // mostly not a TEST workspace
		}
		runFuzzInput(t, data, &stats)
	}
	for _, seed := range fuzzSeeds() {
		runFuzzInput(t, seed, &stats)
	}
	var lines []string
	for _, op := range Ops() {
		lines = append(lines, fmt.Sprintf("%-22s %6d tried %6d ok (%.0f%%)", op, stats.tried[op], stats.ok[op],
			100*float64(stats.ok[op])/float64(max(1, stats.tried[op]))))
		if stats.ok[op] == 0 {
			t.Errorf("%v never succeeded in %d tries", op, stats.tried[op])
		}
	}
	t.Logf("ops on random inputs:\n%s", strings.Join(lines, "\n"))
}

// fuzzString is a command in a line: its op, time and the fields set.
func fuzzString(c Command) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-9v %s", c.At.Sub(fuzzStart), c.Op)
	field := func(name string, v any, set bool) {
		if set {
			fmt.Fprintf(&b, " %s=%v", name, v)
		}
	}
	field("call", fmt.Sprintf("%q", c.Call), c.Call != "" || c.Op != OpAdvance && c.Team == "" && c.Teammate == "")
	field("teammate", fmt.Sprintf("%q", c.Teammate), c.Teammate != "")
	field("team", fmt.Sprintf("%q", c.Team), c.Team != "")
	field("presence", fmt.Sprintf("%+v", c.Presence), c.Op == OpAddTeammate)
	field("status", c.Status, c.Op == OpSetStatus)
	field("reason", fmt.Sprintf("%q", c.Reason), c.Reason != "")
	field("channel", c.Channel, c.Op == OpSetChannel)
	field("open", c.Open, c.Op == OpSetClient)
	field("background", c.Background, c.Op == OpSetClient)
	field("on", c.On, c.Op == OpSetReassignReplies)
	field("decline", c.Decline, c.Op == OpDecline)
	field("by", c.By, c.Op == OpEndCall)
	field("voicemail", c.Voicemail, c.Op == OpCustomerAnswered)
	field("config", fmt.Sprintf("%+v", c.TeamConfig), c.Op == OpAddTeam || c.Op == OpSetTeamConfig)
	field("override", c.Override, c.Op == OpSetTeamOverride || c.Op == OpSetWorkspaceOverride)
	field("workspace config", fmt.Sprintf("%+v", c.Config), c.Op == OpSetWorkspaceConfig)
	return b.String()
}
