package promexport

import (
	"runtime"
	"runtime/debug"
	"time"

	"github.com/phonebalance/phonebalance/replica"
	"github.com/prometheus/client_golang/prometheus"
)

// NodeCollector exports the node's own state at scrape time, as const
// metrics read from [replica.Node.Status]:
//
//	phonebalance_build_info{version,revision,go_version}  gauge: 1, labelled with the build
//	phonebalance_raft_leader_known                        gauge: 1 when this node knows a leader, else 0
//	phonebalance_raft_is_leader                           gauge: 1 on the leader, else 0
//	phonebalance_raft_ready                               gauge: 1 when this node leads and has reconciled
//	phonebalance_raft_term                                gauge: the raft term this node is in
//	phonebalance_raft_commit_index                        gauge: the last log index known committed
//	phonebalance_raft_applied_index                       gauge: the last log index applied here
//	phonebalance_raft_last_contact_seconds                gauge: seconds since a follower last heard the leader (0 on the leader)
//	phonebalance_raft_voters                              gauge: voting members in the latest configuration
//
// A term that grows counts elections (leader changes): alert on
// changes(phonebalance_raft_term[...]). It keeps no state of its own and is
// safe for concurrent use.
type NodeCollector struct {
	status func() replica.Status
	now    func() time.Time
	build  prometheus.Metric

	leaderKnown, isLeader, ready, term, commit, applied, contact, voters *prometheus.Desc
}

// NewNodeCollector returns a collector reading status at every scrape
// (typically (*replica.Node).Status) and now for the last contact's age
// (nil means time.Now).
func NewNodeCollector(status func() replica.Status, now func() time.Time) *NodeCollector {
	if now == nil {
		now = time.Now
	}
	desc := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(Namespace, "raft", name), help, nil, nil)
	}
	version, revision := BuildVersion()
	return &NodeCollector{
		status: status,
		now:    now,
		build: prometheus.MustNewConstMetric(prometheus.NewDesc(prometheus.BuildFQName(Namespace, "", "build_info"),
			"Always 1, labelled with the build of the running phonebalanced.", []string{"version", "revision", "go_version"}, nil),
			prometheus.GaugeValue, 1, version, revision, runtime.Version()),
		leaderKnown: desc("leader_known", "1 when this node knows a leader, else 0."),
		isLeader:    desc("is_leader", "1 when this node is the leader, else 0."),
		ready:       desc("ready", "1 when this node leads and has reconciled its telephony, else 0."),
		term:        desc("term", "The raft term this node is in; it grows with every election."),
		commit:      desc("commit_index", "The last raft log index this node knows committed."),
		applied:     desc("applied_index", "The last raft log index applied to this node's state."),
		contact:     desc("last_contact_seconds", "Seconds since this follower last heard from the leader; 0 on the leader."),
		voters:      desc("voters", "Voting members in the latest cluster configuration this node knows."),
	}
}

// BuildVersion reads the module version and VCS revision the binary was
// built with ("(devel)" and "unknown" when not recorded), as
// phonebalance_build_info labels them.
func BuildVersion() (version, revision string) {
	version, revision = "(devel)", "unknown"
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return version, revision
	}
	if info.Main.Version != "" {
		version = info.Main.Version
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && s.Value != "" {
			revision = s.Value
		}
	}
	return version, revision
}

// Describe implements prometheus.Collector.
func (c *NodeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.build.Desc()
	for _, d := range []*prometheus.Desc{c.leaderKnown, c.isLeader, c.ready, c.term, c.commit, c.applied, c.contact, c.voters} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *NodeCollector) Collect(ch chan<- prometheus.Metric) {
	ch <- c.build
	s := c.status()
	gauge := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v)
	}
	flag := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}
	gauge(c.leaderKnown, flag(s.LeaderID != ""))
	gauge(c.isLeader, flag(s.State == "Leader"))
	gauge(c.ready, flag(s.Ready))
	gauge(c.term, float64(s.Term))
	gauge(c.commit, float64(s.CommitIndex))
	gauge(c.applied, float64(s.AppliedIndex))
	contact := 0.0
	if !s.LastContact.IsZero() {
		contact = max(c.now().Sub(s.LastContact).Seconds(), 0)
	}
	gauge(c.contact, contact)
	gauge(c.voters, float64(s.Voters))
}
