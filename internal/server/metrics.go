package server

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics are the server's Prometheus metrics, on a registry of its own so
// that several servers in one test process do not collide.
type Metrics struct {
	Registry    *prometheus.Registry
	httpTotal   *prometheus.CounterVec
	awsTotal    *prometheus.CounterVec
	awsDuration *prometheus.HistogramVec
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

// ObserveAWS records one AWS request.
func (m *Metrics) ObserveAWS(service, operation, code string, elapsed time.Duration) {
	if len(operation) > 64 { // operation names come from clients; keep labels bounded
		operation = "invalid"
	}
	m.awsTotal.WithLabelValues(service, operation, code).Inc()
	m.awsDuration.WithLabelValues(service, operation).Observe(elapsed.Seconds())
}

func (m *Metrics) observeHTTP(route string, status int) {
	m.httpTotal.WithLabelValues(route, strconv.Itoa(status)).Inc()
}
