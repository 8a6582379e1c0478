// Command bench measures the engine's assignment decision, whole calls,
// exclusion churn, metrics observation and memory, next to the baselines
// of package baseline, and prints the figures as a table or, with -json,
// one JSON object per line. -svg writes a log-log chart of the decision
// cost against team size.
//
//	go run . [-short] [-json] [-svg decision.svg] [-benchtime 1s]
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
	short := flag.Bool("short", false, "run the subset at 15,000 teammates only")
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
	rows, err := run(sizes, out)
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
