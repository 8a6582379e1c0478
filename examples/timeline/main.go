// Command timeline plays scripted scenarios through the engine and prints
// each call's timeline as a support lead reads it in the inbox: every
// event kind and every deflection reason appears, with team composition
// logging on, followed by an Explain of one call and the teammates'
// presence log.
//
//	go run .
package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "timeline:", err)
		os.Exit(1)
	}
}

// run plays the scenarios and writes the report.
func run(w io.Writer) error {
	p, err := newPlay()
	if err != nil {
		return err
	}
	explained, err := p.script()
	if err != nil {
		return err
	}
	for _, id := range p.log.Calls() {
		fmt.Fprintf(w, "Call %s\n", id)
		for _, ev := range p.log.Timeline(id) {
			fmt.Fprintf(w, "  %s  %s\n", ev.At.Format(time.TimeOnly), ev.Text())
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "Explain call-7, as a support lead sees it while the call rings Ben:")
	fmt.Fprintln(w, indent(explained.String()))
	fmt.Fprintln(w, "Teammates")
	for _, ev := range p.log.Events() {
		if !ev.Kind.IsCall() {
			fmt.Fprintf(w, "  %s  %s\n", ev.At.Format(time.TimeOnly), ev.Text())
		}
	}
	if missing := p.missingKinds(); len(missing) > 0 {
		return fmt.Errorf("scenarios did not produce %v", missing)
	}
	return nil
}

func indent(s string) string {
	out := ""
	for _, line := range splitLines(s) {
		out += "  " + line + "\n"
	}
	return out
}

func splitLines(s string) []string {
	var lines []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			lines = append(lines, s[start:i])
			start = i + 1
		}
	}
	if start < len(s) {
		lines = append(lines, s[start:])
	}
	return lines
}

// play is an engine, its event log, and the scenario clock.
type play struct {
	eng *assign.Engine
	log *eventlog.Log
	day time.Time
	now time.Time
}

func newPlay() (*play, error) {
	cfg := assign.DefaultConfig()
	cfg.ShowTeamComposition = true
	cfg.WrapUp = time.Minute
	eng, err := assign.New(cfg)
	if err != nil {
		return nil, err
	}
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC) // a Monday
	return &play{eng: eng, log: &eventlog.Log{}, day: day, now: day}, nil
}

// at sets the clock to the given time of day.
func (p *play) at(hms string) time.Time {
	t, err := time.Parse(time.TimeOnly, hms)
	if err != nil {
		panic(err) // a typo in the script
	}
	p.now = p.day.Add(time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute + time.Duration(t.Second())*time.Second)
	return p.now
}

// do runs the steps in order, logging what each produced; the first error
// stops the script.
func (p *play) do(steps ...error) error {
	for _, err := range steps {
		if err != nil {
			return err
		}
	}
	for _, ev := range p.eng.Ready().Events {
		p.log.Append(ev)
	}
	return nil
}

func (p *play) missingKinds() []eventlog.Kind {
	seen := map[eventlog.Kind]bool{}
	for _, ev := range p.log.Events() {
		seen[ev.Kind] = true
	}
	var missing []eventlog.Kind
	for _, k := range eventlog.Kinds() {
		if !seen[k] {
			missing = append(missing, k)
		}
	}
	return missing
}
