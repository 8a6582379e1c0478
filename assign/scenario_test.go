package assign

// Scenario files: readable call timelines under testdata/scenarios, in the
// spirit of etcd raft's datadriven tests, that a support lead can read and
// write. TestScenarios runs every *.txt file there as a subtest.
//
// A file is a list of lines, then a line "----", then the expected output.
//
//	# Rule: AS6, AS7
//	# A declined call goes to the next teammate at once.
//	config wrapup=1m autoanswer=off
//	team support "Support" maxqueue=5 maxwait=10m
//	teammate ana "Ana" channel=all status=active client=open
//	teammate ben "Ben"
//	member support ana
//	member support ben
//	09:00:00 arrive c1 support
//	09:00:03 decline c1 ana button
//	explain c1
//	----
//	09:00:00 Call placed by customer.
//	09:00:00 Call queued for Support.
//	09:00:00 Call assigned to Ana.
//	09:00:03 Call declined by Ana using the Decline button.
//	09:00:03 Call assigned to Ben.
//	Call c1, ringing in Support at 09:00:03:
//	  1. Ana: declined or missed this call; excluded until 09:05:03
//	  2. Ben: ringing until 09:00:33
//
// Above "----":
//
//   - Blank lines are ignored. Lines starting with "#" are comments;
//     "# Rule: AS6, AS7" names the rules the file covers, and
//     "# Skip: why" makes the runner skip the file, saying why (used to keep
//     a scenario that shows a known engine bug).
//   - Words are separated by spaces; "double quotes" keep spaces in a name
//     or a reason. Options are key=value.
//   - Setup directives, before any timed line, in this order: config, then
//     team, teammate and member. Setup happens at 00:00:00 and its events
//     are not printed.
//     config [wrapup=D] [ring=D] [exclusion=D] [calllimit=N] [retention=D]
//     [autoanswer=on|off] [composition=on|off] [test=on|off]
//     [hours=HH:MM-HH:MM] (Monday to Friday, UTC)
//     team ID ["Name"] [maxqueue=N] [maxwait=D] [deflect-nobody-online=on]
//     [hours=HH:MM-HH:MM]
//     teammate ID ["Name"] [channel=all|conversations|phone]
//     [status=active|away] [reason="Lunch"] [client=open|closed|background]
//     [reassign=on|off] (defaults: all, active, open, off)
//     member TEAM TEAMMATE
//   - Timed lines: a time of day (HH:MM:SS, optionally with a fraction of a
//     second) on Monday 2 March 2026 UTC, a verb and its words. Each verb is
//     one Command applied with Engine.Apply:
//     arrive CALL TEAM · place CALL · queue CALL TEAM · answer CALL WHO ·
//     decline CALL WHO button|busy|connectivity|away · manual CALL WHO ·
//     hold CALL · resume CALL · transfer CALL TEAM · barge CALL WHO ·
//     voicemail CALL · record CALL · callback CALL (the call ends) ·
//     queue-callback CALL (the call keeps its place) · callback-unreached CALL ·
//     forward CALL ·
//     hangup CALL (the customer) · end CALL customer|teammate|system ·
//     outbound CALL WHO · customer-answered CALL [voicemail] ·
//     status WHO active · status WHO away "Reason" ·
//     channel WHO all|conversations|phone ·
//     client WHO open|closed|background · reassign WHO on|off ·
//     messenger WHO · report WHO (a non-phone conversation assignment) ·
//     add-teammate ID ["Name"] [options as for teammate] ·
//     remove-teammate ID · member TEAM WHO · unmember TEAM WHO · advance ·
//     team-override TEAM open|out-of-office|follow-hours ·
//     workspace-override open|out-of-office|follow-hours
//   - Directives that read the engine, as of the last timed line:
//     explain CALL (who is and is not offered the call, and why) ·
//     call CALL (the call's stage and its inbox- and agent-assignment
//     times, rule AS13) · metrics (the day's workspace figures that are not
//     zero, from the metrics package fed with every event; a duration reads
//     total/count, so queue_time=24s/3 is three queue segments of 24s in
//     all).
//   - expect-error NAME: the next line must fail with the sentinel NAME
//     (ErrNotRinging, ErrTestWorkspace, …); the output shows "! " and the
//     error. Any other failure stops the test.
//
// Below "----": every event the timed lines produced, in order, as
// "HH:MM:SS " and the event's Text(); the "! error" lines; and the output
// of explain, call and metrics. Deadlines fire only when a later timed line
// (advance, for one) reaches them.
//
// To rewrite the expected part from what the engine does now:
//
//	go test ./assign -run TestScenarios -update
//
// and then read every changed line against RULES.md before committing it.

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/metrics"
	"github.com/phonebalance/phonebalance/presence"
	"github.com/phonebalance/phonebalance/schedule"
)

var updateScenarios = flag.Bool("update", false, "rewrite the expected output of testdata/scenarios/*.txt")

// scenarioDay is the Monday every scenario happens on.
var scenarioDay = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

const scenarioSeparator = "----"

// scenarioErrors are the sentinels expect-error may name.
var scenarioErrors = map[string]error{
	"ErrInvalidConfig":      ErrInvalidConfig,
	"ErrInvalidArgument":    ErrInvalidArgument,
	"ErrTimeWentBackwards":  ErrTimeWentBackwards,
	"ErrTestWorkspace":      ErrTestWorkspace,
	"ErrUnknownTeammate":    ErrUnknownTeammate,
	"ErrUnknownTeam":        ErrUnknownTeam,
	"ErrUnknownCall":        ErrUnknownCall,
	"ErrDuplicateTeammate":  ErrDuplicateTeammate,
	"ErrDuplicateTeam":      ErrDuplicateTeam,
	"ErrDuplicateCall":      ErrDuplicateCall,
	"ErrDuplicateMember":    ErrDuplicateMember,
	"ErrNotMember":          ErrNotMember,
	"ErrNotRinging":         ErrNotRinging,
	"ErrDeclineUnavailable": ErrDeclineUnavailable,
	"ErrWrongState":         ErrWrongState,
	"ErrCallEnded":          ErrCallEnded,
	"ErrTeammateBusy":       ErrTeammateBusy,
}

func TestScenarios(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "scenarios", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no scenarios in testdata/scenarios")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			runScenarioFile(t, file)
		})
	}
}

func runScenarioFile(t *testing.T, file string) {
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	script, want, found := strings.Cut(text, "\n"+scenarioSeparator+"\n")
	if !found {
		if s, ok := strings.CutSuffix(strings.TrimRight(text, "\n"), "\n"+scenarioSeparator); ok {
			script, want, found = s, "", true
		}
	}
	if !found {
		t.Fatalf("%s: no %q line between the commands and the expected output", file, scenarioSeparator)
	}
	lines := strings.Split(script, "\n")
	rules := false
	for _, l := range lines {
		if reason, ok := strings.CutPrefix(l, "# Skip:"); ok {
			t.Skipf("%s: %s", file, strings.TrimSpace(reason))
		}
		if strings.HasPrefix(l, "# Rule:") {
			rules = true
		}
	}
	if !rules {
		t.Errorf("%s: no \"# Rule:\" comment", file)
	}
	r := &scenarioRun{t: t, file: file, now: scenarioDay, cfg: DefaultConfig()}
	for i, l := range lines {
		r.line = i + 1
		r.exec(strings.TrimSpace(l))
	}
	if r.expect != nil {
		r.fatalf("expect-error %s is not followed by a line", r.expectName)
	}
	got := strings.Join(r.out, "\n")
	if *updateScenarios {
		if err := os.WriteFile(file, []byte(script+"\n"+scenarioSeparator+"\n"+got+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if want = strings.TrimRight(want, "\n"); got != want {
		t.Errorf("%s: output differs (run with -update to rewrite, then check every line)\n%s",
			file, scenarioDiff(strings.Split(want, "\n"), r.out))
	}
}

// scenarioRun is the state of one file being run.
type scenarioRun struct {
	t          *testing.T
	file       string
	line       int
	cfg        Config
	e          *Engine
	m          *metrics.Collector
	now        time.Time
	timed      bool // a timed line has run: setup is over
	expect     error
	expectName string
	out        []string
}

func (r *scenarioRun) fatalf(format string, args ...any) {
	r.t.Helper()
	r.t.Fatalf("%s:%d: %s\noutput so far:\n%s", r.file, r.line, fmt.Sprintf(format, args...),
		strings.Join(r.out, "\n"))
}

// engine returns the engine, creating it from the config on first use.
func (r *scenarioRun) engine() *Engine {
	if r.e == nil {
		e, err := New(r.cfg)
		if err != nil {
			r.fatalf("config: %v", err)
		}
		m, err := metrics.New(metrics.Config{Resolution: time.Minute})
		if err != nil {
			r.fatalf("metrics: %v", err)
		}
		r.e, r.m = e, m
	}
	return r.e
}

func (r *scenarioRun) exec(l string) {
	if l == "" || strings.HasPrefix(l, "#") {
		return
	}
	words, err := scenarioWords(l)
	if err != nil {
		r.fatalf("%v", err)
	}
	if at, ok := scenarioTime(words[0]); ok {
		if len(words) < 2 {
			r.fatalf("a time with no verb")
		}
		r.timed = true
		r.now = at
		c := r.command(at, words[1], words[2:])
		r.result(r.engine().Apply(c), true)
		return
	}
	switch verb, args := words[0], words[1:]; verb {
	case "expect-error":
		if len(args) != 1 || scenarioErrors[args[0]] == nil {
			r.fatalf("expect-error needs one sentinel name, such as ErrNotRinging")
		}
		if r.expect != nil {
			r.fatalf("two expect-error lines in a row")
		}
		r.expect, r.expectName = scenarioErrors[args[0]], args[0]
	case "config":
		if r.e != nil {
			r.fatalf("config must come first")
		}
		r.config(args)
	case "team", "teammate", "member":
		if r.timed {
			r.fatalf("%s is setup; after the first timed line use a timed verb (add-teammate, member)", verb)
		}
		e := r.engine()
		var err error
		switch verb {
		case "team":
			err = e.Apply(r.teamCommand(args))
		case "teammate":
			err = e.Apply(r.teammateCommand(OpAddTeammate, args))
		case "member":
			err = e.Apply(r.pairCommand(OpAddMember, args))
		}
		r.result(err, false)
	case "explain":
		r.arity(verb, args, 1)
		x, err := r.engine().Explain(pb.CallID(args[0]))
		if r.result(err, false) {
			r.out = append(r.out, strings.Split(strings.TrimRight(x.String(), "\n"), "\n")...)
		}
	case "call":
		r.arity(verb, args, 1)
		r.callLine(pb.CallID(args[0]))
	case "metrics":
		r.arity(verb, args, 0)
		r.metricsLine()
	default:
		r.fatalf("unknown directive %q (a timed line starts with HH:MM:SS)", verb)
	}
}

// result checks a command's error against any expect-error, prints what
// the engine produced (when print is set) and reports success.
func (r *scenarioRun) result(err error, print bool) bool {
	r.t.Helper()
	rd := r.e.Ready()
	for _, ev := range rd.Events {
		if merr := r.m.Observe(ev); merr != nil {
			r.fatalf("the metrics refused an event the engine emitted: %v", merr)
		}
		if print {
			r.out = append(r.out, scenarioClock(ev.At)+" "+ev.Text())
		}
	}
	want, name := r.expect, r.expectName
	r.expect, r.expectName = nil, ""
	switch {
	case want == nil && err != nil:
		r.fatalf("unexpected error: %v", err)
	case want != nil && err == nil:
		r.fatalf("expected %s, got success", name)
	case want != nil && !errors.Is(err, want):
		r.fatalf("expected %s, got %v", name, err)
	case err != nil:
		r.out = append(r.out, "! "+err.Error())
		return false
	}
	return true
}

func (r *scenarioRun) arity(verb string, args []string, n int) {
	r.t.Helper()
	if len(args) != n {
		r.fatalf("%s takes %d words, got %d", verb, n, len(args))
	}
}

// command turns a timed line into a Command.
func (r *scenarioRun) command(at time.Time, verb string, args []string) Command {
	one := func(op Op) Command { r.arity(verb, args, 1); return Command{Op: op, At: at, Call: pb.CallID(args[0])} }
	callWho := func(op Op) Command {
		r.arity(verb, args, 2)
		return Command{Op: op, At: at, Call: pb.CallID(args[0]), Teammate: pb.TeammateID(args[1])}
	}
	callTeam := func(op Op) Command {
		r.arity(verb, args, 2)
		return Command{Op: op, At: at, Call: pb.CallID(args[0]), Team: pb.TeamID(args[1])}
	}
	var c Command
	switch verb {
	case "advance":
		r.arity(verb, args, 0)
		c = Command{Op: OpAdvance}
	case "arrive":
		c = callTeam(OpArrive)
	case "place":
		c = one(OpPlaceCall)
	case "queue":
		c = callTeam(OpQueueCall)
	case "answer":
		c = callWho(OpAnswer)
	case "decline":
		r.arity(verb, args, 3)
		c = Command{Op: OpDecline, Call: pb.CallID(args[0]), Teammate: pb.TeammateID(args[1])}
		c.Decline = r.pick(args[2], map[string]any{"button": eventlog.DeclineButton, "busy": eventlog.DeclineBusy,
			"connectivity": eventlog.DeclineConnectivity, "away": eventlog.DeclineWentAway}).(eventlog.DeclineCause)
	case "manual":
		c = callWho(OpManualAnswer)
	case "hold":
		c = one(OpHold)
	case "resume":
		c = one(OpResume)
	case "transfer":
		c = callTeam(OpTransfer)
	case "barge":
		c = callWho(OpBarge)
	case "voicemail":
		c = one(OpVoicemail)
	case "record":
		c = one(OpRecordVoicemail)
	case "callback":
		c = one(OpRequestCallback)
	case "queue-callback":
		c = one(OpQueueCallback)
	case "callback-unreached":
		c = one(OpCallbackUnreached)
	case "forward":
		c = one(OpForwardUnanswered)
	case "hangup":
		c = one(OpEndCall)
		c.By = eventlog.ByCustomer
	case "end":
		r.arity(verb, args, 2)
		c = Command{Op: OpEndCall, Call: pb.CallID(args[0])}
		c.By = r.pick(args[1], map[string]any{"customer": eventlog.ByCustomer, "teammate": eventlog.ByTeammate,
			"system": eventlog.BySystem}).(eventlog.Party)
	case "outbound":
		c = callWho(OpPlaceOutbound)
	case "customer-answered":
		if len(args) == 2 && args[1] == "voicemail" {
			c = Command{Op: OpCustomerAnswered, Call: pb.CallID(args[0]), Voicemail: true}
		} else {
			c = one(OpCustomerAnswered)
		}
	case "status":
		if len(args) < 2 {
			r.fatalf("status WHO active | status WHO away \"Reason\"")
		}
		c = Command{Op: OpSetStatus, Teammate: pb.TeammateID(args[0])}
		c.Status = r.pick(args[1], map[string]any{"active": presence.Active, "away": presence.Away}).(presence.Status)
		if c.Status == presence.Away {
			r.arity(verb, args, 3)
			c.Reason = args[2]
		} else {
			r.arity(verb, args, 2)
		}
	case "channel":
		r.arity(verb, args, 2)
		c = Command{Op: OpSetChannel, Teammate: pb.TeammateID(args[0]), Channel: r.channel(args[1])}
	case "client":
		r.arity(verb, args, 2)
		c = Command{Op: OpSetClient, Teammate: pb.TeammateID(args[0])}
		c.Open, c.Background = r.client(args[1])
	case "reassign":
		r.arity(verb, args, 2)
		c = Command{Op: OpSetReassignReplies, Teammate: pb.TeammateID(args[0]), On: r.onOff(args[1])}
	case "messenger", "report", "remove-teammate":
		r.arity(verb, args, 1)
		op := map[string]Op{"messenger": OpStartMessengerCall, "report": OpReportAssignment,
			"remove-teammate": OpRemoveTeammate}[verb]
		c = Command{Op: op, Teammate: pb.TeammateID(args[0])}
	case "add-teammate":
		c = r.teammateCommand(OpAddTeammate, args)
	case "member":
		c = r.pairCommand(OpAddMember, args)
	case "unmember":
		c = r.pairCommand(OpRemoveMember, args)
	case "team-override":
		r.arity(verb, args, 2)
		c = Command{Op: OpSetTeamOverride, Team: pb.TeamID(args[0]), Override: r.override(args[1])}
	case "workspace-override":
		r.arity(verb, args, 1)
		c = Command{Op: OpSetWorkspaceOverride, Override: r.override(args[0])}
	default:
		r.fatalf("unknown verb %q", verb)
	}
	c.At = at
	return c
}

func (r *scenarioRun) teamCommand(args []string) Command {
	if len(args) == 0 {
		r.fatalf("team ID [\"Name\"] [options]")
	}
	id, name, opts := idNameOptions(args)
	c := Command{Op: OpAddTeam, At: r.now, Team: pb.TeamID(id), Name: name}
	for k, v := range r.options(opts) {
		switch k {
		case "maxqueue":
			c.TeamConfig.MaxQueue = r.number(v)
		case "maxwait":
			c.TeamConfig.MaxWait = r.duration(v)
		case "deflect-nobody-online":
			c.TeamConfig.DeflectWhenNobodyOnline = r.onOff(v)
		case "hours":
			c.TeamConfig.Hours = r.hours(v)
		default:
			r.fatalf("unknown team option %q", k)
		}
	}
	return c
}

func (r *scenarioRun) teammateCommand(op Op, args []string) Command {
	if len(args) == 0 {
		r.fatalf("teammate ID [\"Name\"] [options]")
	}
	id, name, opts := idNameOptions(args)
	c := Command{Op: op, At: r.now, Teammate: pb.TeammateID(id), Name: name}
	c.Presence = presence.State{Channel: presence.ChannelAll, Status: presence.Active, ClientOpen: true}
	for k, v := range r.options(opts) {
		switch k {
		case "channel":
			c.Presence.Channel = r.channel(v)
		case "status":
			c.Presence.Status = r.pick(v, map[string]any{"active": presence.Active, "away": presence.Away}).(presence.Status)
		case "reason":
			c.Presence.Reason = v
		case "client":
			c.Presence.ClientOpen, c.Presence.Backgrounded = r.client(v)
		case "reassign":
			c.Presence.ReassignReplies = r.onOff(v)
		default:
			r.fatalf("unknown teammate option %q", k)
		}
	}
	return c
}

// idNameOptions splits "ID ["Name"] key=value…": the name defaults to the
// ID.
func idNameOptions(args []string) (id, name string, opts []string) {
	id, name, opts = args[0], args[0], args[1:]
	if len(opts) > 0 && !strings.Contains(opts[0], "=") {
		name, opts = opts[0], opts[1:]
	}
	return id, name, opts
}

func (r *scenarioRun) pairCommand(op Op, args []string) Command {
	r.arity("member", args, 2)
	return Command{Op: op, At: r.now, Team: pb.TeamID(args[0]), Teammate: pb.TeammateID(args[1])}
}

func (r *scenarioRun) config(args []string) {
	for k, v := range r.options(args) {
		switch k {
		case "wrapup":
			r.cfg.WrapUp = r.duration(v)
		case "ring":
			r.cfg.RingTimeout = r.duration(v)
		case "exclusion":
			r.cfg.ExclusionPeriod = r.duration(v)
		case "calllimit":
			r.cfg.CallLimit = r.number(v)
		case "retention":
			r.cfg.EndedCallRetention = r.duration(v)
		case "autoanswer":
			r.cfg.AutoAnswer = r.onOff(v)
		case "composition":
			r.cfg.ShowTeamComposition = r.onOff(v)
		case "test":
			r.cfg.TestWorkspace = r.onOff(v)
		case "hours":
			r.cfg.Hours = r.hours(v)
		default:
			r.fatalf("unknown config option %q", k)
		}
	}
}

// callLine prints the call's stage and assignment times (rule AS13).
func (r *scenarioRun) callLine(id pb.CallID) {
	v, ok := r.engine().Call(id)
	if !ok {
		r.fatalf("no call %q", id)
	}
	state := v.Stage.String()
	if v.Ended {
		state = "ended while " + state
	}
	s := fmt.Sprintf("call %s: %s, %d queue segment(s); placed %s", id, state, v.Segment, scenarioClock(v.PlacedAt))
	if !v.InboxAssignedAt.IsZero() {
		s += ", inbox assignment " + scenarioClock(v.InboxAssignedAt)
	}
	switch {
	case v.AgentAssignedAt.IsZero():
		s += ", no agent assignment"
	case v.InboxAssignedAt.IsZero():
		s += ", agent assignment " + scenarioClock(v.AgentAssignedAt)
	default:
		s += fmt.Sprintf(", agent assignment %s (%v later)", scenarioClock(v.AgentAssignedAt),
			v.AgentAssignedAt.Sub(v.InboxAssignedAt))
	}
	r.out = append(r.out, s)
}

// metricsLine prints the day's non-zero workspace figures: counts as
// numbers, durations as total/count (the total over how many were
// measured).
func (r *scenarioRun) metricsLine() {
	r.engine()
	f := r.m.Report(scenarioDay, scenarioDay.Add(24*time.Hour)).Total
	v, ty := reflect.ValueOf(f), reflect.TypeOf(f)
	parts := []string{"metrics:"}
	for i := range ty.NumField() {
		name, _, _ := strings.Cut(ty.Field(i).Tag.Get("json"), ",")
		switch x := v.Field(i).Interface().(type) {
		case int:
			if x != 0 {
				parts = append(parts, name+"="+strconv.Itoa(x))
			}
		case time.Duration:
			if x != 0 {
				parts = append(parts, name+"="+x.String())
			}
		case metrics.Durations:
			if x.Count != 0 {
				parts = append(parts, name+"="+x.Total.String()+"/"+strconv.Itoa(x.Count))
			}
		}
	}
	r.out = append(r.out, strings.Join(parts, " "))
}

func (r *scenarioRun) options(args []string) map[string]string {
	out := make(map[string]string, len(args))
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			r.fatalf("expected key=value, got %q", a)
		}
		out[k] = v
	}
	return out
}

func (r *scenarioRun) pick(word string, choices map[string]any) any {
	v, ok := choices[word]
	if !ok {
		keys := make([]string, 0, len(choices))
		for k := range choices {
			keys = append(keys, k)
		}
		r.fatalf("%q is not one of %v", word, keys)
	}
	return v
}

func (r *scenarioRun) onOff(v string) bool {
	return r.pick(v, map[string]any{"on": true, "off": false}).(bool)
}

func (r *scenarioRun) channel(v string) presence.Channel {
	return r.pick(v, map[string]any{"all": presence.ChannelAll, "conversations": presence.ChannelConversations,
		"phone": presence.ChannelPhone}).(presence.Channel)
}

// client returns the open and backgrounded flags for open, closed or
// background.
func (r *scenarioRun) client(v string) (open, background bool) {
	switch r.pick(v, map[string]any{"open": 0, "closed": 1, "background": 2}).(int) {
	case 0:
		return true, false
	case 2:
		return true, true
	}
	return false, false
}

func (r *scenarioRun) override(v string) schedule.Override {
	return r.pick(v, map[string]any{"open": schedule.ForceOpen, "out-of-office": schedule.OutOfOffice,
		"follow-hours": schedule.FollowHours}).(schedule.Override)
}

func (r *scenarioRun) number(v string) int {
	n, err := strconv.Atoi(v)
	if err != nil {
		r.fatalf("%q is not a number", v)
	}
	return n
}

func (r *scenarioRun) duration(v string) time.Duration {
	d, err := time.ParseDuration(v)
	if err != nil {
		r.fatalf("%q is not a duration such as 30s or 5m", v)
	}
	return d
}

// hours reads HH:MM-HH:MM as Monday-to-Friday opening hours in UTC.
func (r *scenarioRun) hours(v string) schedule.Hours {
	from, to, ok := strings.Cut(v, "-")
	a, okA := scenarioTime(from + ":00")
	b, okB := scenarioTime(to + ":00")
	if !ok || !okA || !okB {
		r.fatalf("hours must read HH:MM-HH:MM, got %q", v)
	}
	return schedule.Hours{Weekly: schedule.Weekdays(a.Sub(scenarioDay), b.Sub(scenarioDay))}
}

// scenarioTime reads HH:MM:SS[.fraction] as a time on the scenario's day.
func scenarioTime(s string) (time.Time, bool) {
	if len(s) < 8 || s[2] != ':' || s[5] != ':' {
		return time.Time{}, false
	}
	tod, err := time.Parse("15:04:05", s)
	if err != nil {
		return time.Time{}, false
	}
	return scenarioDay.Add(tod.Sub(time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC))), true
}

// scenarioClock prints a time of day, with a fraction of a second only when
// there is one.
func scenarioClock(t time.Time) string { return t.Format("15:04:05.999999999") }

// scenarioWords splits a line on spaces, keeping "double-quoted" text
// (also as the value of key="value") as one word without its quotes.
func scenarioWords(l string) ([]string, error) {
	var words []string
	var b strings.Builder
	in, has := false, false
	for _, r := range l {
		switch {
		case r == '"':
			in, has = !in, true
		case r == ' ' && !in:
			if has {
				words = append(words, b.String())
				b.Reset()
				has = false
			}
		default:
			b.WriteRune(r)
			has = true
		}
	}
	if in {
		return nil, fmt.Errorf("unclosed quote in %q", l)
	}
	if has {
		words = append(words, b.String())
	}
	return words, nil
}

// scenarioDiff lists the lines that differ, marked - (expected) and +
// (got), with the common lines around them for context.
func scenarioDiff(want, got []string) string {
	// A longest-common-subsequence diff: scenarios are short.
	n, m := len(want), len(got)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if want[i] == got[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var b strings.Builder
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && want[i] == got[j]:
			fmt.Fprintf(&b, "  %s\n", want[i])
			i++
			j++
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			fmt.Fprintf(&b, "+ %s\n", got[j])
			j++
		default:
			fmt.Fprintf(&b, "- %s\n", want[i])
			i++
		}
	}
	return b.String()
}
