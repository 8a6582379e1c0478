package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/phonebalance/phonebalance/replica"
	"github.com/phonebalance/phonebalance/server/backup"
	"github.com/phonebalance/phonebalance/server/eventstore"
)

// restoreCommand is "phonebalanced restore -i FILE -data DIR": it
// prepares DIR, which must be empty or missing, as the data directory of
// a new cluster of one holding the backup's state: the snapshot
// installed as the raft state of one voter, and the event store. Then
// "phonebalanced -data DIR" (with -http ADDR -raft ADDR in cluster mode:
// give restore the same two) starts it, and other nodes may join it. No
// token is restored: give the node the tokens it should have.
func restoreCommand(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("phonebalanced restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	in := fs.String("i", "", "the backup file (from phonebalanced backup)")
	data := fs.String("data", "", "the new data directory (must be empty or missing)")
	httpAddr := fs.String("http", "", "cluster mode: the -http address the restored node will run with (its raft ID); empty: a node without -raft")
	raftAddr := fs.String("raft", "", "cluster mode: the -raft address the restored node will run with")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *in == "" || *data == "" || fs.NArg() > 0 {
		return errors.New("usage: phonebalanced restore -i FILE -data DIR")
	}
	if (*httpAddr == "") != (*raftAddr == "") {
		return errors.New("-http and -raft go together (cluster mode) or not at all")
	}
	if entries, err := os.ReadDir(*data); err == nil && len(entries) > 0 {
		return fmt.Errorf("%s is not empty: restore into a new directory", *data)
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	f, err := os.Open(*in)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := os.MkdirAll(*data, 0o700); err != nil {
		return err
	}
	events := filepath.Join(*data, eventstore.FileName)
	tmp := events + ".partial"
	ef, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	m, snapshot, err := backup.Read(f, ef)
	if err == nil {
		err = ef.Sync()
	}
	if cerr := ef.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%s: %w", *in, err)
	}
	if _, err := replica.InstallSnapshot(*data, *httpAddr, *raftAddr, snapshot); err != nil {
		return err
	}
	if err := os.Rename(tmp, events); err != nil {
		return err
	}
	start := "phonebalanced -data " + *data
	if *httpAddr != "" {
		start += " -http " + *httpAddr + " -raft " + *raftAddr
	}
	fmt.Fprintf(stdout, "restored the backup of %s at raft index %d (taken %s) into %s\nstart it with: %s\n",
		m.Node, m.Index, m.Created.Format("2006-01-02 15:04:05 MST"), *data, start)
	return nil
}
