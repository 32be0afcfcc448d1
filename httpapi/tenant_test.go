package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/channelgrouping/grouping"
	"github.com/matryer/is"
)

// TestTenantIsolation calls every route as the user of tenant A (or A's
// service principal, on the mirror routes) with the IDs of tenant B: B's
// tenant in the path is forbidden (403); A's tenant in the path with B's
// objects finds nothing (404). B's data never changes.
func TestTenantIsolation(t *testing.T) {
	forEachStore(t, func(t *testing.T, store grouping.Store) {
		e := newEnv(t, store, envConfig{})
		e.withTokens()
		a, b := e.fx.a, e.fx.b
		body := map[string]string{
			"group":   `{"name":"intruder","description":"x"}`,
			"org":     `{"name":"intruder"}`,
			"channel": `{"name":"intruder","owner_id":"` + a.user.String() + `"}`,
			"attach":  `{"platformId":"whatsapp","platformGroupId":"account-B"}`,
		}

		// Every route, with B's tenant and B's objects.
		// own is the answer when the path names A's tenant and B's
		// objects: 404 unless noted; 0 for a success that touches only A.
		type call struct {
			method, path string
			body         string
			own          int
		}
		routes := func(org, ws, group, channel, user, chGroup, wsChannel string, groupIDs []string) []call {
			o := "/organisations/" + org
			w := "/workspaces/" + ws
			return []call{
				{"POST", o + "/groups", body["group"], 0}, // no object of B: creates in A
				{"GET", o + "/groups", "", 0},             // lists A's groups
				{"GET", o + "/groups/" + group, "", 404},
				{"PATCH", o + "/groups/" + group, body["group"], 404},
				{"DELETE", o + "/groups/" + group, "", 404},
				{"POST", o + "/groups/" + group + "/channels/" + channel, "", 404},
				{"DELETE", o + "/groups/" + group + "/channels/" + channel, "", 404},
				{"PATCH", o + "/groups/" + group + "/channels/" + channel, "", 404},
				{"GET", o + "/groups/" + group + "/channels", "", 404},
				{"POST", o + "/groups/" + group + "/channels", `{"channels":["` + channel + `"]}`, 404},
				{"DELETE", o + "/groups/" + group + "/channels", `{"channels":["` + channel + `"]}`, 404},
				{"PATCH", o + "/groups/" + group + "/channels", `{"channels":["` + channel + `"]}`, 404},
				{"GET", o + "/groups/channels/no-group", "", 0},      // lists A's channels
				{"GET", o + "/groups/channels/user-no-group", "", 0}, // lists A's channels
				{"PUT", o, body["org"], 0},                           // renames A
				// A channel belongs to one organisation for life: upserting
				// B's channel under A is a conflict and leaves it alone.
				{"GET", o + "/channels/" + channel, "", 404},
				{"PUT", o + "/channels/" + channel, body["channel"], 409},
				{"DELETE", o + "/channels/" + channel, "", 404},
				{"PUT", o + "/channels/" + channel + "/users/" + user, "", 404},
				{"DELETE", o + "/channels/" + channel + "/users/" + user, "", 404},
				// B's groups are not A's: an invalid order.
				{"PUT", o + "/groups/order", `{"group_ids":["` + strings.Join(groupIDs, `","`) + `"]}`, 400},
				{"PUT", o + "/groups/" + group + "/channels/order", `{"channel_ids":["` + channel + `"]}`, 404},
				{"GET", w + "/channel-groups", "", 0}, // lists A's channel groups
				{"GET", w + "/channel-groups/" + chGroup, "", 404},
				{"DELETE", w + "/channel-groups/" + chGroup, "", 404},
				{"DELETE", w + "/channels/" + wsChannel + "/channel-group", "", 404},
				// Workspaces scope channel IDs: attaching a channel B has
				// attached too makes A's own link and leaves B's alone.
				{"PUT", w + "/channels/" + wsChannel + "/channel-group", body["attach"], 0},
				{"GET", o + "/events", "", 0}, // lists A's events
				{"GET", w + "/events", "", 0}, // lists A's events
			}
		}
		bGroups := []string{b.groups[0].String(), b.groups[1].String(), b.archived.String()}
		bUser := b.user.String()

		before := snapshot(t, e.store, b)
		t.Run("B's tenant in the path", func(t *testing.T) {
			for _, c := range routes(b.org.String(), b.ws.String(), b.groups[0].String(), b.channels[0].String(), bUser, b.chGroup.String(), b.wsChannel.String(), bGroups) {
				for who, token := range map[string]string{"user": a.token, "service": a.service} {
					t.Run(who+" "+c.method+" "+c.path, func(t *testing.T) {
						res := e.do(t, request{method: c.method, path: c.path, body: nilIfEmpty(c.body), as: token})
						if strings.HasPrefix(c.path, "/workspaces") {
							workspaceErrorShape(t, res, http.StatusForbidden, "forbidden") // another workspace
						} else {
							orgErrorShape(t, res, http.StatusForbidden) // another organisation
						}
						assertUnchanged(t, before, snapshot(t, e.store, b))
					})
				}
			}
		})

		t.Run("A's tenant, B's objects", func(t *testing.T) {
			// Mixed calls: one of A's objects with one of B's.
			o := "/organisations/" + a.org.String()
			mixed := []call{
				{"POST", o + "/groups/" + a.groups[1].String() + "/channels/" + b.channels[2].String(), "", 404},
				{"POST", o + "/groups/" + b.groups[1].String() + "/channels/" + a.channels[2].String(), "", 404},
				{"PATCH", o + "/groups/" + a.groups[1].String() + "/channels/" + b.channels[0].String(), "", 404},
				{"PATCH", o + "/groups/" + b.groups[1].String() + "/channels/" + a.channels[0].String(), "", 404},
				{"DELETE", o + "/groups/" + a.groups[0].String() + "/channels/" + b.channels[0].String(), "", 404},
				// In bulk: B's channels among A's are not found.
				{"POST", o + "/groups/" + a.groups[1].String() + "/channels", `{"channels":["` + a.channels[2].String() + `","` + b.channels[2].String() + `"]}`, 404},
				{"PATCH", o + "/groups/" + a.groups[1].String() + "/channels", `{"channels":["` + a.channels[0].String() + `","` + b.channels[0].String() + `"]}`, 404},
				{"DELETE", o + "/groups/" + a.groups[0].String() + "/channels", `{"channels":["` + a.channels[0].String() + `","` + b.channels[0].String() + `"]}`, 404},
				{"PUT", o + "/channels/" + a.channels[0].String() + "/users/" + bUser, "", 0}, // B's user ID in A's channel is A's business
				// B's channels are not in A's group: an invalid order.
				{"PUT", o + "/groups/" + a.groups[0].String() + "/channels/order", `{"channel_ids":["` + b.channels[0].String() + `","` + b.channels[1].String() + `"]}`, 400},
			}
			calls := append(routes(a.org.String(), a.ws.String(), b.groups[0].String(), b.channels[0].String(), bUser, b.chGroup.String(), b.wsChannel.String(), bGroups), mixed...)
			for _, c := range calls {
				t.Run(c.method+" "+c.path, func(t *testing.T) {
					is := is.New(t)
					token := a.token
					if mirrorRoute(c.method, c.path) {
						token = a.service // the mirror is the host backend's to write
					}
					res := e.do(t, request{method: c.method, path: c.path, body: nilIfEmpty(c.body), as: token})
					want := c.own
					switch {
					case want == 0:
						is.True(res.status < 300) // acts on A's own tenant only
					case strings.HasPrefix(c.path, "/workspaces"):
						workspaceErrorShape(t, res, want, workspaceCode(want)) // B's object is not in A's workspace
					default:
						orgErrorShape(t, res, want) // B's object is not in A's organisation
					}
					assertUnchanged(t, before, snapshot(t, e.store, b))
				})
			}
		})
	})
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
