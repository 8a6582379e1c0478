package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"text/tabwriter"
)

// row is one measured figure. Ratio is the baseline's cost over ours.
type row struct {
	Name              string  `json:"name"`
	Teammates         int     `json:"teammates"`
	NsPerOp           float64 `json:"ns_per_op"`
	AllocsPerOp       int64   `json:"allocs_per_op"`
	Baseline          string  `json:"baseline,omitempty"`
	BaselineNsPerOp   float64 `json:"baseline_ns_per_op,omitempty"`
	BaselineAllocs    int64   `json:"baseline_allocs_per_op,omitempty"`
	Ratio             float64 `json:"ratio,omitempty"`
	BytesPerTeammate  float64 `json:"bytes_per_teammate,omitempty"`
	CommandsPerSecond float64 `json:"commands_per_second,omitempty"`
	// WaitingCalls is the backlog of the excluded-backlog rows.
	WaitingCalls int `json:"waiting_calls,omitempty"`
	// AllocsPerCommand is allocs_per_op over the commands of one
	// operation, on the rows made of engine commands; a pointer, so that
	// zero is printed.
	AllocsPerCommand *float64 `json:"allocs_per_command,omitempty"`
}

// output receives rows as they are measured.
type output interface {
	add(row) error
	flush()
}

type jsonLines struct{ enc *json.Encoder }

func (j jsonLines) add(r row) error { return j.enc.Encode(r) }
func (j jsonLines) flush()          {}

// table prints a readable table once every row is in, and a progress dot
// per row meanwhile.
type table struct{ rows []row }

func (t *table) add(r row) error {
	t.rows = append(t.rows, r)
	fmt.Fprint(os.Stderr, ".")
	return nil
}

func (t *table) flush() {
	fmt.Fprintln(os.Stderr)
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "name\tteammates\twaiting\tns/op\tallocs/op\tallocs/command\tbaseline\tbaseline ns/op\tratio\tB/teammate\tcommands/s\t")
	for _, r := range t.rows {
		apc := "-"
		if r.AllocsPerCommand != nil {
			apc = strconv.FormatFloat(*r.AllocsPerCommand, 'f', 2, 64)
		}
		fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.Name, r.Teammates,
			num(float64(r.WaitingCalls), 0), num(r.NsPerOp, 0), r.AllocsPerOp, apc, r.Baseline,
			num(r.BaselineNsPerOp, 0), num(r.Ratio, 1), num(r.BytesPerTeammate, 0), num(r.CommandsPerSecond, 0))
	}
	w.Flush()
}

func num(x float64, prec int) string {
	if x == 0 {
		return "-"
	}
	return strconv.FormatFloat(x, 'f', prec, 64)
}
