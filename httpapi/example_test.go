package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
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
