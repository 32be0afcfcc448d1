package webhook

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"unicode/utf8"

	"github.com/channelgrouping/grouping"
)

// MaxEndpointID is the longest endpoint ID, in characters: the longest
// consumer name a grouping.EventLog keeps.
const MaxEndpointID = 255

// ErrInvalidEndpoint is wrapped by the errors of [Endpoint.Validate] and of
// [New] for a bad endpoint.
var ErrInvalidEndpoint = errors.New("webhook: invalid endpoint")

// Endpoint is where one tenant's change events are delivered.
type Endpoint struct {
	// ID names the endpoint for good: it is the name of the endpoint's
	// grouping.EventConsumer, which keeps its position in the tenant's
	// events. 1 to MaxEndpointID characters of UTF-8. An endpoint given a
	// new ID starts again as a new consumer; the old ID's consumer stays
	// until [Forget] removes it.
	ID string
	// URL receives a POST per event; http or https. It may change while
	// the ID stays.
	URL string
	// Tenant is the organisation or workspace whose events are delivered.
	Tenant grouping.Tenant
	// Secrets sign each request, one signature per secret, in Standard
	// Webhooks form ("whsec_" and the base64 of the HMAC key; see
	// [ParseSecret]). To rotate a secret, list the new one beside the old
	// until the receiver knows it, then drop the old one.
	Secrets []string
}

// Validate returns an error wrapping [ErrInvalidEndpoint] (and
// [ErrInvalidSecret] for a bad secret) when e cannot be delivered to.
func (e Endpoint) Validate() error {
	_, err := e.parse()
	return err
}

// endpoint is a validated Endpoint with its parsed keys.
type endpoint struct {
	Endpoint
	keys [][]byte
	// where is the URL without user information, for log lines.
	where string
}

func (e Endpoint) parse() (endpoint, error) {
	if e.ID == "" || !utf8.ValidString(e.ID) || utf8.RuneCountInString(e.ID) > MaxEndpointID {
		return endpoint{}, fmt.Errorf("%w: the ID must be 1 to %d characters of UTF-8", ErrInvalidEndpoint, MaxEndpointID)
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w %q: %s", ErrInvalidEndpoint, e.ID, fmt.Sprintf(format, args...))
	}
	u, err := url.Parse(e.URL)
	switch {
	case err != nil:
		return endpoint{}, bad("the URL does not parse")
	case u.Scheme != "http" && u.Scheme != "https":
		return endpoint{}, bad("the URL's scheme must be http or https")
	case u.Host == "":
		return endpoint{}, bad("the URL has no host")
	}
	if err := e.Tenant.Validate(); err != nil {
		return endpoint{}, bad("tenant: %s", grouping.ErrorMessage(err))
	}
	keys, err := parseSecrets(e.Secrets)
	if err != nil {
		return endpoint{}, fmt.Errorf("%w %q: %w", ErrInvalidEndpoint, e.ID, err)
	}
	u.User = nil
	ep := endpoint{Endpoint: e, keys: keys, where: u.String()}
	ep.Secrets = append([]string(nil), e.Secrets...)
	return ep, nil
}

// Forget deletes the consumer of an endpoint that is no longer configured,
// so that its position no longer holds back pruning (see the package
// documentation). It returns nil when the endpoint had no consumer. Call it
// for endpoints no Dispatcher delivers to: a running Dispatcher saves the
// consumer again with its next delivery.
func Forget(ctx context.Context, log grouping.EventLog, endpointID string, tenant grouping.Tenant) error {
	err := log.DeleteEventConsumer(ctx, endpointID, tenant)
	if err == nil || errors.Is(err, grouping.ErrNotFound) {
		return nil
	}
	return fmt.Errorf("webhook: forget endpoint %q of %s: %w", endpointID, tenant, err)
}
