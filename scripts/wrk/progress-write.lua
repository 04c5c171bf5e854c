-- W5 over HTTP: progress writes, every one a real increase. Each wrk thread owns a slice of
-- the learners and walks them round-robin; a learner's n-th write sets lesson n / 100 to
-- percent n % 100 + 1, so it always moves forward (and every 100th completes a lesson).
dofile(os.getenv("LMS_WRK_DATA"))

local threads = 0

function setup(thread)
  thread:set("index", threads)
  threads = threads + 1
end

local writes = 0

function init(args)
  local count = tonumber(os.getenv("LMS_WRK_THREADS"))
  local per_thread = math.floor(#tokens / count)
  first = index * per_thread
  slice = per_thread
end

function request()
  local learner = writes % slice
  local round = math.floor(writes / slice)
  writes = writes + 1
  local lesson = lessons[math.floor(round / 100) % #lessons + 1]
  local percent = round % 100 + 1
  return wrk.format("PUT", "/api/v1/orgs/bench/courses/load/lessons/" .. lesson .. "/progress",
    { ["Authorization"] = "Bearer " .. tokens[first + learner + 1],
      ["Content-Type"] = "application/json" },
    '{"percent":' .. percent .. '}')
end

-- wrk counts answers other than 2xx and 3xx ("Non-2xx or 3xx responses"); the script
-- reports them as errors.
