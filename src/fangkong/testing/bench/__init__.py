"""`fangkong bench sampling`: the scans API under load, beside a bare endpoint and a raw
COPY, with the server killed and PostgreSQL restarted while devices retry (issue 5,
ADR 0020). The pieces: plan.py (data and devices), server.py (gunicorn in its own
process group), locustfile.py (the simulated devices), bare.py (the bare endpoint,
mounted only for the benchmark's server), and testing/benchmarks.py (the measure)."""
