-- W1 over HTTP: a learner's course progress, each request as the next learner
-- (scripts/bench-http.sh writes data.lua: the learners' tokens and the lesson ids).
dofile(os.getenv("LMS_WRK_DATA"))

local next_learner = 0

function setup(thread)
  thread:set("offset", math.random(#tokens))
end

function request()
  next_learner = next_learner + 1
  local token = tokens[(next_learner + offset) % #tokens + 1]
  return wrk.format("GET", "/api/v1/orgs/bench/courses/load/progress",
    { ["Authorization"] = "Bearer " .. token })
end

-- wrk counts answers other than 2xx and 3xx ("Non-2xx or 3xx responses"); the script
-- reports them as errors.
