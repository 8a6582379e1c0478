package api

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"

	pb "github.com/phonebalance/phonebalance"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
)

// Page sizes of the lists: ?limit= defaults to DefaultPageSize and may be
// at most MaxPageSize.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// pageParams reads ?after= and ?limit=.
func pageParams(r *http.Request) (after string, limit int, err error) {
	q := r.URL.Query()
	after, limit = q.Get("after"), DefaultPageSize
	if after != "" {
		if err := checkID("after", after); err != nil {
			return "", 0, err
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxPageSize {
			return "", 0, invalid("limit %q: want 1..%d", v, MaxPageSize)
		}
		limit = n
	}
	return after, limit, nil
}

// page sorts ids, keeps those after the cursor and cuts the page.
func page[ID ~string](ids []ID, after string, limit int) (keep []ID, next string) {
	slices.SortFunc(ids, func(a, b ID) int { return cmp.Compare(a, b) })
	i, _ := slices.BinarySearch(ids, ID(after))
	if i < len(ids) && string(ids[i]) == after {
		i++
	}
	ids = ids[i:]
	if len(ids) > limit {
		return ids[:limit], string(ids[limit-1])
	}
	return ids, ""
}

// GET /teammates?after=&limit=: the teammates as GET /teammates/{id}
// shows them, in ID order.
func (s *Server) listTeammates(w http.ResponseWriter, r *http.Request) {
	after, limit, err := pageParams(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := Page[Teammate]{Items: []Teammate{}}
	s.view(r, func(e *assign.Engine) {
		var ids []pb.TeammateID
		e.EachTeammate(func(v assign.TeammateView) bool {
			if string(v.ID) > after {
				ids = append(ids, v.ID)
			}
			return true
		})
		ids, out.Next = page(ids, after, limit)
		for _, id := range ids {
			v, _ := e.Teammate(id)
			out.Items = append(out.Items, teammateOf(v))
		}
	})
	writeJSON(w, http.StatusOK, out)
}

// GET /teams?after=&limit=: the teams as GET /teams/{team} shows them, in
// ID order.
func (s *Server) listTeams(w http.ResponseWriter, r *http.Request) {
	after, limit, err := pageParams(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := Page[Team]{Items: []Team{}}
	s.view(r, func(e *assign.Engine) {
		var ids []pb.TeamID
		e.EachTeam(func(v assign.TeamView) bool {
			if string(v.ID) > after {
				ids = append(ids, v.ID)
			}
			return true
		})
		ids, out.Next = page(ids, after, limit)
		for _, id := range ids {
			t, _ := teamOf(e, id)
			out.Items = append(out.Items, t)
		}
	})
	writeJSON(w, http.StatusOK, out)
}

// GET /calls?stage=&team=&after=&limit=: the calls the engine holds (in
// progress, and ended ones for a while) as GET /calls/{id} shows them, in
// ID order, filtered by stage ("ringing", "queued", ...) and team.
func (s *Server) listCalls(w http.ResponseWriter, r *http.Request) {
	after, limit, err := pageParams(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	var stage eventlog.Stage
	if v := q.Get("stage"); v != "" {
		if err := stage.UnmarshalText([]byte(v)); err != nil {
			s.writeError(w, r, invalid("stage %q", v))
			return
		}
	}
	team := pb.TeamID(q.Get("team"))
	if team != "" {
		if err := checkID("team", string(team)); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	out := Page[Call]{Items: []Call{}}
	s.view(r, func(e *assign.Engine) {
		var ids []pb.CallID
		e.EachCall(func(v assign.CallView) bool {
			if string(v.ID) > after && (stage == 0 || v.Stage == stage) && (team == "" || v.Team == team) {
				ids = append(ids, v.ID)
			}
			return true
		})
		ids, out.Next = page(ids, after, limit)
		for _, id := range ids {
			v, _ := e.Call(id)
			out.Items = append(out.Items, v)
		}
	})
	writeJSON(w, http.StatusOK, out)
}
