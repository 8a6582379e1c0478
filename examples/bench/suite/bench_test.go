package suite_test

import (
	"strconv"
	"testing"

	"github.com/phonebalance/phonebalance/examples/bench/suite"
)

// Sizes are the team sizes of the decision benchmarks.
var sizes = []int{100, 1000, 15000, 100000}

func BenchmarkDecision(b *testing.B) {
	for _, n := range sizes {
		name := "n=" + strconv.Itoa(n)
		b.Run("engine/"+name, suite.EngineDecision(n))
		b.Run("next-in-line/"+name, suite.EngineNextInLine(n))
		b.Run("linear/"+name, suite.LinearDecision(n))
		b.Run("sqlite/"+name, suite.SQLiteDecision(n))
		b.Run("sqlite-sorted/"+name, suite.SQLiteSortedDecision(n))
	}
}

func BenchmarkWholeCall(b *testing.B) {
	for _, n := range []int{1000, 15000} {
		b.Run("n="+strconv.Itoa(n), suite.WholeCall(n, false))
	}
}

func BenchmarkWholeCallWithMetrics(b *testing.B) {
	b.Run("n=15000", suite.WholeCall(15000, true))
}

func BenchmarkExclusionChurn(b *testing.B) {
	b.Run("n=15000", suite.ExclusionChurn(15000))
}

// BenchmarkBytesPerTeammate reports memory, not time: B/teammate is the
// metric to read.
func BenchmarkBytesPerTeammate(b *testing.B) {
	for _, n := range []int{15000, 100000} {
		b.Run("n="+strconv.Itoa(n), func(b *testing.B) {
			var bpt float64
			for range b.N {
				var err error
				if bpt, err = suite.BytesPerTeammate(n); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(bpt, "B/teammate")
		})
	}
}

// BenchmarkFullCallCost holds the rows of issue 11 per team size; with
// benchstat, `-col /row` compares them with the tree limit, the first
// column:
//
//	go test -run XXX -bench FullCallCost -count 5 ./suite/ > full.txt
//	benchstat -col /row full.txt
func BenchmarkFullCallCost(b *testing.B) {
	for _, n := range sizes {
		name := "n=" + strconv.Itoa(n)
		b.Run(name+"/row=tree-limit", suite.TreeLimit(n))
		b.Run(name+"/row=full-call", suite.FullCall(n))
		b.Run(name+"/row=full-call-with-metrics", suite.FullCallWithMetrics(n))
		b.Run(name+"/row=live-full-call", suite.LiveFullCall(n))
	}
}

// BenchmarkExcludedBacklog measures one command among 50 teammates with a
// backlog of waiting calls every teammate is excluded from.
func BenchmarkExcludedBacklog(b *testing.B) {
	for _, w := range []int{100, 1000, 10000} {
		b.Run("waiting="+strconv.Itoa(w), suite.ExcludedBacklog(w))
	}
}
