// Command bench measures the engine's assignment decision, whole calls,
// exclusion churn, metrics observation and memory, next to the baselines
// of package baseline, and prints the figures as a table or, with -json,
// one JSON object per line. -svg writes a log-log chart of the decision
// cost against team size. The rows of issue 11 (tree limit, full call,
// full call with metrics, live full call, excluded backlog) run at every
// size, -short or not; -issue11 runs only them.
//
//	go run . [-short] [-issue11] [-json] [-svg decision.svg] [-benchtime 1s]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"testing"
	"time"
)

func main() {
	testing.Init()
	short := flag.Bool("short", false, "run the subset at 15,000 teammates only (issue 11's rows at every size)")
	only11 := flag.Bool("issue11", false, "run only the rows of issue 11")
	asJSON := flag.Bool("json", false, "print one JSON object per line")
	svg := flag.String("svg", "", "write the decision chart to this SVG file")
	benchtime := flag.Duration("benchtime", time.Second, "target run time of each benchmark")
	flag.Parse()
	if *short && *benchtime == time.Second {
		*benchtime = 400 * time.Millisecond
	}
	if err := flag.Set("test.benchtime", benchtime.String()); err != nil {
		fail(err)
	}

	sizes := []int{100, 1000, 15000, 100000}
	if *short {
		sizes = []int{15000}
	}
	var out output = &table{}
	if *asJSON {
		out = jsonLines{json.NewEncoder(os.Stdout)}
	}
	var rows []row
	var err error
	if *only11 {
		err = runIssue11(func(r row) error { rows = append(rows, r); return out.add(r) })
	} else {
		rows, err = run(sizes, out)
	}
	if err != nil {
		fail(err)
	}
	out.flush()
	if *svg != "" {
		if err := chart(rows, *svg); err != nil {
			fail(err)
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}
