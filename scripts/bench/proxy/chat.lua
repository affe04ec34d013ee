-- wrk script: one small chat completion per request, with the key from the environment.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("BENCH_KEY") or "none")
wrk.body = '{"model":"sim-small","messages":[{"role":"user","content":"Benchmark request [[sim:tokens=16]]"}]}'

-- Count non-2xx answers, so a benchmark of errors cannot pass for a fast one.
local errors = 0
function response(status, headers, body)
  if status ~= 200 then errors = errors + 1 end
end
function done(summary, latency, requests)
  io.write(string.format("NON200 %d\n", summary.errors.status))
end
