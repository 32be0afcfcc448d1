package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/httpapi"
	"github.com/channelgrouping/grouping/memstore"
	"github.com/google/uuid"
)

// Mount the API on a mux with the host's own authentication and create a
// group.
func Example() {
	ctx := context.Background()
	store := memstore.New()
	orgID := uuid.MustParse("6f1d3c1e-4a4b-4c2a-9a51-2f3f4a5b6c7d")
	if _, err := store.UpsertOrganisation(ctx, grouping.Organisation{ID: orgID, Name: "Acme"}); err != nil {
		fmt.Println(err)
		return
	}

	// The host decides who a request is; here, one fixed token.
	auth := httpapi.AuthenticatorFunc(func(r *http.Request) (httpapi.Principal, error) {
		if r.Header.Get("Authorization") != "Bearer let-me-in" {
			return httpapi.Principal{}, httpapi.ErrUnauthenticated
		}
		return httpapi.Principal{UserID: uuid.New(), Organisations: []uuid.UUID{orgID}}, nil
	})
	api, err := httpapi.New(store, httpapi.WithAuthenticator(auth), httpapi.WithPrefix("/api"))
	if err != nil {
		fmt.Println(err)
		return
	}
	mux := http.NewServeMux()
	api.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	body := strings.NewReader(`{"name":"C-Group","description":"This is a group for the C warriors"}`)
	req, err := http.NewRequest("POST", srv.URL+"/api/organisations/"+orgID.String()+"/groups", body)
	if err != nil {
		fmt.Println(err)
		return
	}
	req.Header.Set("Authorization", "Bearer let-me-in")
	req.Header.Set("Content-Type", "application/json")
	res, err := srv.Client().Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer res.Body.Close()
	var out struct {
		Status  string         `json:"status"`
		Message string         `json:"message"`
		Data    grouping.Group `json:"data"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.StatusCode, out.Status, out.Message)
	fmt.Println(out.Data.Name, "ETag", res.Header.Get("ETag"))
	// Output:
	// 200 success Group created successfully
	// C-Group ETag "1"
}

// A policy of the host's own: auditors may only read, and everything else
// is decided by the default policy, under which only the host's backend
// (the service role) may write the mirror.
func ExampleWithPolicy() {
	ctx := context.Background()
	store := memstore.New()
	orgID := uuid.MustParse("6f1d3c1e-4a4b-4c2a-9a51-2f3f4a5b6c7d")
	if _, err := store.UpsertOrganisation(ctx, grouping.Organisation{ID: orgID, Name: "Acme"}); err != nil {
		fmt.Println(err)
		return
	}
	principals := map[string]httpapi.Principal{
		"auditor": {UserID: uuid.New(), Roles: []string{"auditor"}, Organisations: []uuid.UUID{orgID}},
		"user":    {UserID: uuid.New(), Organisations: []uuid.UUID{orgID}},
		"backend": {UserID: uuid.New(), Roles: []string{httpapi.RoleService}, AllTenants: true},
	}
	auth := httpapi.AuthenticatorFunc(func(r *http.Request) (httpapi.Principal, error) {
		p, ok := principals[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
		if !ok {
			return httpapi.Principal{}, httpapi.ErrUnauthenticated
		}
		return p, nil
	})
	policy := httpapi.PolicyFunc(func(r *http.Request, p httpapi.Principal, a httpapi.Access) error {
		if p.HasRole("auditor") && a.Action != httpapi.ActionRead {
			return fmt.Errorf("auditors only read: %w", httpapi.ErrForbidden)
		}
		return httpapi.DefaultPolicy{}.Authorise(r, p, a)
	})
	api, err := httpapi.New(store, httpapi.WithAuthenticator(auth), httpapi.WithPolicy(policy))
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := httptest.NewServer(api)
	defer srv.Close()

	org := srv.URL + "/organisations/" + orgID.String()
	for _, c := range []struct{ who, method, url, body string }{
		{"auditor", "GET", org + "/groups", ""},
		{"auditor", "POST", org + "/groups", `{"name":"Audit"}`},
		{"user", "POST", org + "/groups", `{"name":"Sales"}`},
		{"user", "PUT", org, `{"name":"Mine now"}`},
		{"backend", "PUT", org, `{"name":"Acme Ltd"}`},
	} {
		req, err := http.NewRequest(c.method, c.url, strings.NewReader(c.body))
		if err != nil {
			fmt.Println(err)
			return
		}
		req.Header.Set("Authorization", "Bearer "+c.who)
		res, err := srv.Client().Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		var out struct{ Message string }
		json.NewDecoder(res.Body).Decode(&out)
		res.Body.Close()
		fmt.Println(c.who, c.method, strings.TrimPrefix(c.url, org), res.StatusCode, out.Message)
	}
	// Output:
	// auditor GET /groups 200 Groups fetched successfully
	// auditor POST /groups 403 You may not do this in this organisation
	// user POST /groups 200 Group created successfully
	// user PUT  403 This action needs the service role
	// backend PUT  200 Organisation saved successfully
}

// Follow an organisation's events as Server-Sent Events while a group is
// created, then shut the server down: CloseStreams, registered with
// RegisterOnShutdown, ends the open stream so that Shutdown need not wait
// for it.
func ExampleAPI_CloseStreams() {
	ctx := context.Background()
	store := memstore.New()
	orgID := uuid.MustParse("6f1d3c1e-4a4b-4c2a-9a51-2f3f4a5b6c7d")
	if _, err := store.UpsertOrganisation(ctx, grouping.Organisation{ID: orgID, Name: "Acme"}); err != nil {
		fmt.Println(err)
		return
	}
	api, err := httpapi.New(store, httpapi.WithoutAuthentication())
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := httptest.NewUnstartedServer(api)
	srv.Config.RegisterOnShutdown(api.CloseStreams)
	srv.Start()
	defer srv.Close()

	req, err := http.NewRequest("GET", srv.URL+"/organisations/"+orgID.String()+"/events", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	req.Header.Set("Accept", "text/event-stream")
	res, err := srv.Client().Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer res.Body.Close()
	lines := bufio.NewScanner(res.Body)
	events := 0
	for events < 2 && lines.Scan() {
		line := lines.Text()
		switch {
		case strings.HasPrefix(line, "data: "):
			events++
			if events == 1 {
				// The organisation's first event is in the log: make a
				// change while the stream is open.
				if _, err := store.CreateGroup(ctx, orgID, grouping.NewGroup{Name: "Sales"}); err != nil {
					fmt.Println(err)
					return
				}
			}
		case line != "":
			fmt.Println(line)
		}
	}

	if err := srv.Config.Shutdown(ctx); err != nil {
		fmt.Println(err)
		return
	}
	io.Copy(io.Discard, res.Body) // returns once the stream has ended
	fmt.Println("stream ended")
	// Output:
	// retry: 2000
	// id: 1
	// event: organisation.created
	// id: 2
	// event: group.created
	// stream ended
}
