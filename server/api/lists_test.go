package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/phonebalance/phonebalance/server/api"
)

// Lists page in ID order with a cursor, bounded in size, and show each
// item as its single GET does.
func TestListsPageConsistentlyWithTheSingleGETs(t *testing.T) {
	e := newEnv(t, nil, api.Config{})
	e.seed()
	for i := range 5 {
		id := fmt.Sprintf("t%d", i)
		e.c.do("POST", ws+"/teammates", `{"id":"`+id+`","name":"`+id+`","channel":"Conversations"}`, http.StatusCreated, nil)
	}
	e.c.do("POST", ws+"/teams", `{"id":"sales","name":"Sales"}`, http.StatusCreated, nil)
	// 7 teammates, two pages of 4 and 3.
	var p1, p2 api.Page[api.Teammate]
	e.c.do("GET", ws+"/teammates?limit=4", "", http.StatusOK, &p1)
	equal(t, "page 1", len(p1.Items), 4)
	equal(t, "cursor", p1.Next, "t1")
	e.c.do("GET", ws+"/teammates?limit=4&after="+p1.Next, "", http.StatusOK, &p2)
	var ids []string
	for _, tm := range append(p1.Items, p2.Items...) {
		ids = append(ids, string(tm.ID))
	}
	equal(t, "all teammates", strings.Join(ids, ","), "ana,ben,t0,t1,t2,t3,t4")
	equal(t, "last page", p2.Next, "")
	var ana api.Teammate
	e.c.do("GET", ws+"/teammates/ana", "", http.StatusOK, &ana)
	equal(t, "list item = single GET", fmt.Sprint(p1.Items[0]), fmt.Sprint(ana))

	var teams api.Page[api.Team]
	e.c.do("GET", ws+"/teams", "", http.StatusOK, &teams)
	var support api.Team
	e.c.do("GET", ws+"/teams/support", "", http.StatusOK, &support)
	equal(t, "teams", len(teams.Items), 2)
	equal(t, "team item = single GET", fmt.Sprint(teams.Items[1]), fmt.Sprint(support))

	e.c.do("POST", ws+"/calls", `{"id":"c1","team":"support"}`, http.StatusCreated, nil)
	e.c.do("POST", ws+"/calls", `{"id":"c2","team":"support"}`, http.StatusCreated, nil)
	e.c.do("POST", ws+"/calls", `{"id":"c3","team":"support"}`, http.StatusCreated, nil)
	e.c.do("POST", ws+"/calls", `{"id":"c4"}`, http.StatusCreated, nil)
	var calls api.Page[api.Call]
	e.c.do("GET", ws+"/calls?stage=ringing&team=support", "", http.StatusOK, &calls)
	equal(t, "ringing calls", len(calls.Items), 2)
	var c1 api.Call
	e.c.do("GET", ws+"/calls/c1", "", http.StatusOK, &c1)
	equal(t, "call item = single GET", fmt.Sprint(calls.Items[0]), fmt.Sprint(c1))
	e.c.do("GET", ws+"/calls?stage=queued", "", http.StatusOK, &calls)
	equal(t, "queued", len(calls.Items), 1)
	equal(t, "queued call", calls.Items[0].ID, "c3")
	e.c.do("GET", ws+"/calls?stage=routing", "", http.StatusOK, &calls)
	equal(t, "routing", len(calls.Items), 1)
	e.c.do("GET", ws+"/calls?team=sales", "", http.StatusOK, &calls)
	equal(t, "sales calls", len(calls.Items), 0)

	for _, bad := range []string{"/teammates?limit=0", "/teammates?limit=501", "/teams?limit=x", "/calls?stage=dancing"} {
		code, body := e.c.try("GET", ws+bad, "")
		if code != http.StatusBadRequest || !strings.Contains(body, "invalid_argument") {
			t.Errorf("GET %s: %d %s", bad, code, body)
		}
	}
	e.c.do("GET", ws+"/teammates?limit=500", "", http.StatusOK, nil)
}
