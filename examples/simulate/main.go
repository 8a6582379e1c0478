// Command simulate runs a simulated contact-center day against the
// phonebalance engine and prints what a support lead would want to know:
// how many calls were answered, abandoned and deflected, how long
// customers waited, and how evenly the calls spread over the teammates.
//
// Usage:
//
//	go run . [-teammates 60] [-rate 600] [-aht 240] [-hours 8] [-seed 1] [-json] [-report day.html]
//
// Run with -h for every flag.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/phonebalance/phonebalance/examples/simulate/report"
	"github.com/phonebalance/phonebalance/examples/simulate/sim"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "simulate:", err)
		os.Exit(1)
	}
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func run(args []string, stdout io.Writer) error {
	d := sim.DefaultConfig()
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	teammates := fs.Int("teammates", d.Teammates, "number of teammates")
	rate := fs.Float64("rate", d.Rate, "mean inbound calls per hour (Poisson)")
	aht := fs.Float64("aht", d.HandleTime.Seconds(), "mean handle (talk) time, seconds (exponential)")
	hours := fs.Float64("hours", d.Duration.Hours(), "hours during which calls arrive")
	seed := fs.Uint64("seed", d.Seed, "random seed")
	autoAnswer := fs.Bool("autoanswer", d.AutoAnswer, "auto-answer mode: teammates answer at once and cannot decline")
	wrapUp := fs.Float64("wrapup", d.WrapUp.Seconds(), "wrap-up time after each call, seconds")
	patience := fs.Float64("patience", d.Patience.Seconds(), "mean customer patience, seconds (exponential; 0: never hang up)")
	ivr := fs.Float64("ivr", d.Routing.Seconds(), "mean routing (IVR) time before the queue, seconds (exponential)")
	answerDelay := fs.Float64("answer-delay", d.AnswerDelay.Seconds(), "mean time to answer or decline a ringing phone, seconds")
	pDecline := fs.Float64("p-decline", d.PDecline, "probability a teammate declines a ring")
	pMiss := fs.Float64("p-miss", d.PMiss, "probability a teammate lets a ring time out")
	awayRate := fs.Float64("away-rate", d.AwayRate, "breaks per teammate per hour")
	awayTime := fs.Float64("away-time", d.AwayTime.Seconds(), "mean break length, seconds")
	ring := fs.Float64("ring-timeout", d.RingTimeout.Seconds(), "ring timeout, seconds")
	maxQueue := fs.Int("max-queue", d.MaxQueue, "deflect calls beyond this many in the queue (0: no limit)")
	maxWait := fs.Float64("max-wait", d.MaxWait.Seconds(), "deflect calls waiting longer than this, seconds (0: no limit)")
	warmUp := fs.Float64("warmup", d.WarmUp.Seconds(), "leave out calls placed in the first seconds")
	asJSON := fs.Bool("json", false, "print one JSON object as the last line")
	reportFile := fs.String("report", "", "write charts to this file (.svg, or .html with the summary)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	cfg := d
	cfg.Teammates, cfg.Rate, cfg.Seed, cfg.AutoAnswer = *teammates, *rate, *seed, *autoAnswer
	cfg.Duration = time.Duration(*hours * float64(time.Hour))
	cfg.HandleTime, cfg.WrapUp, cfg.Patience, cfg.Routing = seconds(*aht), seconds(*wrapUp), seconds(*patience), seconds(*ivr)
	cfg.AnswerDelay, cfg.PDecline, cfg.PMiss = seconds(*answerDelay), *pDecline, *pMiss
	cfg.AwayRate, cfg.AwayTime, cfg.RingTimeout = *awayRate, seconds(*awayTime), seconds(*ring)
	cfg.MaxQueue, cfg.MaxWait, cfg.WarmUp = *maxQueue, seconds(*maxWait), seconds(*warmUp)

	start := time.Now() // the only clock read: the run's own wall time, for reporting
	res, err := sim.Run(cfg)
	if err != nil {
		return err
	}
	wall := time.Since(start)

	if err := res.WriteSummary(stdout); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nSimulated %v of contact-center time (%d engine events) in %v of wall time.\n",
		res.End.Round(time.Second), res.Events, wall.Round(time.Millisecond))
	if *reportFile != "" {
		if err := report.WriteFile(*reportFile, res); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Charts written to %s.\n", *reportFile)
	}
	if *asJSON {
		s := res.Summary()
		s.WallMS = float64(wall.Microseconds()) / 1000
		b, err := json.Marshal(s)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s\n", b)
	}
	return nil
}
