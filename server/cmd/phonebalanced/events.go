package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/phonebalance/phonebalance/server/eventstore"
)

// eventsUsage is the help of `phonebalanced events`.
const eventsUsage = `usage: phonebalanced events export [-data DIR] [-workspace WS] [-o FILE]

Writes every stored event of workspace WS (default: default) as JSON lines
(one eventlog.Event each, in seq order) to FILE or standard output. It reads the data directory's event
store without writing it, so it runs while the server is stopped; a
running server holds the store, and export then says so.`

// eventsCommand runs `phonebalanced events ARGS`: export is the one
// subcommand. -h prints the usage and succeeds.
func eventsCommand(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "export" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
			fmt.Fprintln(stderr, eventsUsage)
			return nil
		}
		fmt.Fprintln(stderr, eventsUsage)
		return errors.New("events: the subcommand is export")
	}
	fset := flag.NewFlagSet("phonebalanced events export", flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.Usage = func() { fmt.Fprintln(stderr, eventsUsage); fset.PrintDefaults() }
	data := fset.String("data", "./phonebalance-data", "the server's data directory")
	out := fset.String("o", "", "file to write (replaced if it exists); empty: standard output")
	ws := fset.String("workspace", eventstore.LegacyWorkspace, "the workspace whose events to export")
	if err := fset.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fset.NArg() > 0 {
		return fmt.Errorf("events export: unexpected arguments: %q", fset.Args())
	}
	return exportEvents(*data, *ws, *out, stdout, stderr)
}

// exportEvents writes workspace ws's events of the store in dir as JSON
// lines to the file out, or to stdout if out is empty, and names on stderr the ranges
// of raft entries whose events the store lacks (its gaps). It opens the
// store read-only; ErrLocked means a server is running on dir. A file is
// written whole or removed: on error nothing is left at out.
func exportEvents(dir, ws, out string, stdout, stderr io.Writer) error {
	s, err := eventstore.Open(eventstore.Config{Dir: dir, ReadOnly: true})
	if errors.Is(err, eventstore.ErrNotFound) {
		if _, serr := os.Stat(filepath.Join(dir, eventstore.LegacyFileName)); serr == nil {
			return fmt.Errorf("%w; %s there is already JSON lines (the old format, imported when the server next starts)", err, eventstore.LegacyFileName)
		}
	}
	if errors.Is(err, eventstore.ErrLocked) {
		return fmt.Errorf("%w; stop the server to export its events", err)
	}
	if err != nil {
		return err
	}
	defer s.Close()
	if !slices.Contains(s.Workspaces(), ws) {
		return fmt.Errorf("events export: no events of workspace %q in %s (it has %q)", ws, dir, s.Workspaces())
	}
	for _, g := range s.Gaps() {
		fmt.Fprintf(stderr, "phonebalanced: note: this node lacks the events of raft entries %d to %d (%s)\n", g.After+1, g.Upto, g.Reason)
	}
	if out == "" {
		return s.Export(ws, stdout)
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), filepath.Base(out)+".*")
	if err != nil {
		return err
	}
	err = s.Export(ws, tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), out)
	}
	if err != nil {
		if rerr := os.Remove(tmp.Name()); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			return errors.Join(err, rerr)
		}
	}
	return err
}
