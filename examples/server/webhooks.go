package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/channelgrouping/grouping"
	"github.com/channelgrouping/grouping/webhook"
	"github.com/google/uuid"
)

// Change events: the webhooks they are delivered to and how long the store
// keeps them. The serve command's flags for them are registered by
// addEventFlags; startEvents runs delivery and pruning for the server's
// lifetime.

// The environment variables of change events.
const (
	envWebhooks        = "GROUPING_WEBHOOKS"
	envWebhookSecret   = "GROUPING_WEBHOOK_SECRET"
	envEventsMaxAge    = "GROUPING_EVENTS_MAX_AGE"
	envEventsMaxCount  = "GROUPING_EVENTS_MAX_COUNT"
	envWebhookReenable = "GROUPING_WEBHOOK_REENABLE"
	envWebhookRetry    = "GROUPING_WEBHOOK_RETRY"
)

const (
	// defaultEventsMaxAge is how long events are kept when neither
	// -events-max-age nor GROUPING_EVENTS_MAX_AGE says.
	defaultEventsMaxAge = 30 * 24 * time.Hour
	// pruneEvery is how often old events are pruned, after once at start.
	pruneEvery = time.Minute
)

// eventsConfig says where change events are delivered and which are kept.
type eventsConfig struct {
	// webhooks are the endpoints, each with the configured secrets.
	webhooks []webhook.Endpoint
	// reenable resumes the webhooks found disabled at start.
	reenable bool
	// retry is the first pause before a failed delivery is tried again.
	retry time.Duration
	// retention prunes events no active consumer (webhook) still needs;
	// zero prunes nothing.
	retention grouping.Retention
}

// eventFlags are the serve command's flags of change events.
type eventFlags struct {
	getenv   func(string) string
	webhooks webhookFlag
	secrets  string
	reenable bool
	retry    time.Duration
	maxAge   time.Duration
	maxCount int
	// err is a bad environment variable, reported by config.
	err error
}

// webhookFlag is the repeatable -webhook flag: the endpoints given, parsed
// but without secrets.
type webhookFlag []webhook.Endpoint

func (w *webhookFlag) String() string {
	if w == nil {
		return ""
	}
	ids := make([]string, len(*w))
	for i, e := range *w {
		ids[i] = e.ID
	}
	return strings.Join(ids, " ")
}

func (w *webhookFlag) Set(spec string) error {
	e, err := parseWebhook(spec)
	if err != nil {
		return err
	}
	*w = append(*w, e)
	return nil
}

// webhookForm is how a webhook is written on the command line.
const webhookForm = "[name@]organisation:<uuid>=<url> or [name@]workspace:<uuid>=<url>"

// parseWebhook reads an endpoint in webhookForm. Without a name, the ID is
// the URL without user information, query or fragment.
func parseWebhook(spec string) (webhook.Endpoint, error) {
	target, raw, ok := strings.Cut(spec, "=")
	if !ok || raw == "" {
		return webhook.Endpoint{}, fmt.Errorf("webhook %q: want %s", spec, webhookForm)
	}
	name, tenant := "", target
	if i := strings.LastIndex(target, "@"); i >= 0 {
		name, tenant = target[:i], target[i+1:]
		if name == "" {
			return webhook.Endpoint{}, fmt.Errorf("webhook %q: the name before @ is empty", spec)
		}
	}
	kind, rawID, _ := strings.Cut(tenant, ":")
	id, err := uuid.Parse(rawID)
	if err != nil {
		return webhook.Endpoint{}, fmt.Errorf("webhook %q: %q is not a UUID", spec, rawID)
	}
	var t grouping.Tenant
	switch kind {
	case "organisation":
		t = grouping.OrganisationOf(id)
	case "workspace":
		t = grouping.WorkspaceOf(id)
	default:
		return webhook.Endpoint{}, fmt.Errorf("webhook %q: the tenant must be organisation:<uuid> or workspace:<uuid>", spec)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return webhook.Endpoint{}, fmt.Errorf("webhook %q: %q is not an http or https URL", spec, raw)
	}
	if name == "" {
		name = (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
	}
	return webhook.Endpoint{ID: name, URL: raw, Tenant: t}, nil
}

// addEventFlags registers the flags of change events on fs, with defaults
// from the environment.
func addEventFlags(fs *flag.FlagSet, getenv func(string) string) *eventFlags {
	f := &eventFlags{getenv: getenv}
	maxAge := defaultEventsMaxAge
	if v := getenv(envEventsMaxAge); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			f.err = fmt.Errorf("%s: %q is not a duration such as 720h", envEventsMaxAge, v)
		}
		maxAge = d
	}
	reenable := false
	if v := getenv(envWebhookReenable); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			f.err = fmt.Errorf("%s: %q is not a boolean", envWebhookReenable, v)
		}
		reenable = b
	}
	retry := webhook.DefaultInitialBackoff
	if v := getenv(envWebhookRetry); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			f.err = fmt.Errorf("%s: %q is not a duration such as 5s", envWebhookRetry, v)
		}
		retry = d
	}
	maxCount := 0
	if v := getenv(envEventsMaxCount); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			f.err = fmt.Errorf("%s: %q is not a whole number", envEventsMaxCount, v)
		}
		maxCount = n
	}
	fs.Var(&f.webhooks, "webhook", "deliver a tenant's change events to an `endpoint`, signed per Standard Webhooks: "+webhookForm+
		"; repeatable. The name (default: the URL without credentials or query) keeps the endpoint's place in the events across restarts; "+
		"a new endpoint receives every event still kept. Deliver from one server only when several share a database "+
		"(env "+envWebhooks+", space-separated, used when no -webhook is given)")
	fs.StringVar(&f.secrets, "webhook-secret", "", "the webhooks' signing `secrets`, whsec_<base64 of 24 to 64 random bytes>, comma-separated: "+
		"requests are signed with each, so that a new secret can be added before an old one is dropped. "+
		"Prefer the environment, which ps does not show (env "+envWebhookSecret+")")
	fs.BoolVar(&f.reenable, "webhook-reenable", reenable, "resume the webhooks that were disabled, after a 410 Gone answer or a day of failed attempts, "+
		"from the event that disabled them (env "+envWebhookReenable+")")
	fs.DurationVar(&f.retry, "webhook-retry", retry, "the first pause before a failed delivery is tried again; it doubles, with jitter, "+
		"up to an hour (env "+envWebhookRetry+")")
	fs.DurationVar(&f.maxAge, "events-max-age", maxAge, "prune change events older than this, every minute; 0 keeps them whatever their age. "+
		"Events an active webhook has not received yet are kept (env "+envEventsMaxAge+")")
	fs.IntVar(&f.maxCount, "events-max-count", maxCount, "keep at most this many of each tenant's newest change events; 0 for no limit. "+
		"Events an active webhook has not received yet are kept (env "+envEventsMaxCount+")")
	return f
}

// config returns the configuration of the parsed flags.
func (f *eventFlags) config() (eventsConfig, error) {
	if f.err != nil {
		return eventsConfig{}, f.err
	}
	if f.maxAge < 0 {
		return eventsConfig{}, errors.New("-events-max-age must not be negative")
	}
	if f.maxCount < 0 {
		return eventsConfig{}, errors.New("-events-max-count must not be negative")
	}
	if f.retry <= 0 || f.retry > webhook.DefaultMaxBackoff {
		return eventsConfig{}, fmt.Errorf("-webhook-retry must be above 0 and at most %s", webhook.DefaultMaxBackoff)
	}
	c := eventsConfig{reenable: f.reenable, retry: f.retry, retention: grouping.Retention{MaxAge: f.maxAge, MaxCount: f.maxCount}}
	hooks := f.webhooks
	if len(hooks) == 0 {
		for _, spec := range strings.Fields(f.getenv(envWebhooks)) {
			if err := hooks.Set(spec); err != nil {
				return eventsConfig{}, fmt.Errorf("%s: %w", envWebhooks, err)
			}
		}
	}
	if len(hooks) == 0 {
		return c, nil
	}
	list := f.secrets
	if list == "" {
		list = f.getenv(envWebhookSecret)
	}
	var secrets []string
	for _, s := range strings.Split(list, ",") {
		if s = strings.TrimSpace(s); s != "" {
			secrets = append(secrets, s)
		}
	}
	if len(secrets) == 0 {
		return eventsConfig{}, fmt.Errorf("webhooks need a signing secret: set %s (or -webhook-secret) to whsec_ and the base64 of 32 random bytes, "+
			"such as the output of: echo whsec_$(head -c 32 /dev/urandom | base64)", envWebhookSecret)
	}
	for i, s := range secrets {
		if _, err := webhook.ParseSecret(s); err != nil {
			// The secret itself is never printed.
			return eventsConfig{}, fmt.Errorf("webhook secret %d of %d: %w", i+1, len(secrets), err)
		}
	}
	type key struct {
		id     string
		tenant grouping.Tenant
	}
	seen := map[key]bool{}
	for _, e := range hooks {
		e.Secrets = secrets
		if err := e.Validate(); err != nil {
			return eventsConfig{}, fmt.Errorf("webhook %s of %s: %w", e.ID, e.Tenant, err)
		}
		k := key{e.ID, e.Tenant}
		if seen[k] {
			return eventsConfig{}, fmt.Errorf("webhook %s of %s is given twice; to deliver twice, name each: name@%s=<url>", e.ID, e.Tenant, e.Tenant)
		}
		seen[k] = true
		c.webhooks = append(c.webhooks, e)
	}
	return c, nil
}

// startEvents starts delivering change events to the configured webhooks
// and pruning old events, once now and then every pruneEvery, until ctx
// ends or stop is called; stop waits for both to end, requests in flight
// included. The store must keep events (be a grouping.EventLog) when
// webhooks are configured; otherwise nothing is started.
func startEvents(ctx context.Context, store grouping.Store, cfg eventsConfig, log *slog.Logger) (stop func(), err error) {
	events, ok := store.(grouping.EventLog)
	if !ok {
		if len(cfg.webhooks) > 0 {
			return nil, errors.New("webhooks: the store keeps no change events")
		}
		return func() {}, nil
	}
	var d *webhook.Dispatcher
	if len(cfg.webhooks) > 0 {
		opts := []webhook.Option{webhook.WithLogger(log)}
		if cfg.retry > 0 { // zero: the package's default
			opts = append(opts, webhook.WithBackoff(cfg.retry, webhook.DefaultMaxBackoff))
		}
		if cfg.reenable {
			opts = append(opts, webhook.WithReenable())
		}
		if d, err = webhook.New(events, cfg.webhooks, opts...); err != nil {
			return nil, fmt.Errorf("webhooks: %w", err)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	if r := cfg.retention; r.MaxAge > 0 || r.MaxCount > 0 {
		wg.Go(func() {
			t := time.NewTicker(pruneEvery)
			defer t.Stop()
			for {
				pruneEvents(ctx, events, r, log)
				select {
				case <-t.C:
				case <-ctx.Done():
					return
				}
			}
		})
	}
	if d != nil {
		for _, e := range cfg.webhooks {
			log.Info("webhook", "endpoint", e.ID, "tenant", e.Tenant.String(), "secrets", len(e.Secrets))
		}
		wg.Go(func() {
			if err := d.Run(ctx); err != nil {
				log.Error("webhooks stopped", "err", err)
			} else if ctx.Err() == nil {
				log.Warn("webhooks: every endpoint is disabled; none is delivered to until a restart")
			}
		})
	}
	return func() { cancel(); wg.Wait() }, nil
}

// pruneEvents prunes the events r says are too old or too many, keeping
// those an active consumer has not handled, and logs what it did.
func pruneEvents(ctx context.Context, events grouping.EventLog, r grouping.Retention, log *slog.Logger) int64 {
	n, err := events.PruneEvents(ctx, r)
	switch {
	case err != nil && ctx.Err() == nil:
		log.Warn("prune events", "err", err, "pruned", n)
	case n > 0:
		log.Info("pruned events", "count", n)
	}
	return n
}
