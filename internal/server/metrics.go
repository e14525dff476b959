package server

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/tollgate/tollgate/internal/awsapi"
)

// Metrics are the server's Prometheus metrics, on a registry of its own so
// that several servers in one test process do not collide.
type Metrics struct {
	Registry    *prometheus.Registry
	httpTotal   *prometheus.CounterVec
	awsTotal    *prometheus.CounterVec
	awsDuration *prometheus.HistogramVec

	connsOpen, connsMax, connsReclaimed prometheus.Collector
}

// NewMetrics registers the server's metrics and the Go runtime's.
func NewMetrics() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		httpTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tollgate_http_requests_total",
			Help: "HTTP requests by route and status code.",
		}, []string{"route", "code"}),
		awsTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tollgate_aws_requests_total",
			Help: "AWS API requests by service, operation and error code (empty on success).",
		}, []string{"service", "operation", "error"}),
		awsDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tollgate_aws_request_duration_seconds",
			Help:    "AWS API request latency by service and operation.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 4, 9),
		}, []string{"service", "operation"}),
	}
	m.Registry.MustRegister(m.httpTotal, m.awsTotal, m.awsDuration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ObserveAWS records one AWS request. The router passes names from closed
// sets (awsapi.Observer); a label Prometheus refuses is dropped rather than
// allowed to panic, since a metric is never worth a request.
func (m *Metrics) ObserveAWS(service, operation, code string, elapsed time.Duration) {
	if c, err := m.awsTotal.GetMetricWithLabelValues(service, operation, code); err == nil {
		c.Inc()
	}
	if h, err := m.awsDuration.GetMetricWithLabelValues(service, operation); err == nil {
		h.Observe(elapsed.Seconds())
	}
}

// watchConnections exports the connection limiter's figures.
func (m *Metrics) watchConnections(l *connLimiter) {
	// A server restarted in the same process (tests) registers them again.
	if m.connsOpen != nil {
		for _, c := range []prometheus.Collector{m.connsOpen, m.connsMax, m.connsReclaimed} {
			m.Registry.Unregister(c)
		}
	}
	m.connsOpen = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "tollgate_http_connections_open",
		Help: "Open client connections.",
	}, func() float64 { return float64(l.Open()) })
	m.connsMax = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "tollgate_http_connections_max",
		Help: "The most client connections kept open at once.",
	}, func() float64 { return float64(l.max) })
	m.connsReclaimed = prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "tollgate_http_connections_reclaimed_total",
		Help: "Idle or silent connections closed to make room for new ones at the limit.",
	}, func() float64 { return float64(l.reclaimed.Load()) })
	m.Registry.MustRegister(m.connsOpen, m.connsMax, m.connsReclaimed)
}

// WatchBodyBudget exports how much of the AWS router's body budget is in
// use, and its size.
func (m *Metrics) WatchBodyBudget(b *awsapi.BodyBudget) {
	m.Registry.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "tollgate_aws_body_budget_bytes_in_use",
			Help: "Bytes of AWS request bodies held by requests in flight.",
		}, func() float64 { return float64(b.InUse()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "tollgate_aws_body_budget_bytes",
			Help: "The most bytes of AWS request bodies held at once (the body budget).",
		}, func() float64 { return float64(b.Limit()) }))
}

func (m *Metrics) observeHTTP(route string, status int) {
	m.httpTotal.WithLabelValues(route, strconv.Itoa(status)).Inc()
}
