-- mix.lua: wrk assigns, moves and removes channels that seed named
-- (vars.lua): the RUN-th share of mixed channels (RUN from 0), which are
-- in no group when the run starts. Each of THREADS threads (wrk's -t)
-- takes its own part of them, and each channel goes around a cycle:
-- assigned to the first group (POST), moved to the second (PATCH), taken
-- out of it (DELETE). A channel comes back only after the thread's other
-- channels have had their turn, long after its last request was answered,
-- so that every request changes something: one in three is an assign, one
-- a move and one a removal. (wrk calls request once before the run to
-- check it, which uses up the first turn of the first thread: that
-- channel's first move to the second group then assigns it there.)
dofile("vars.lua")

local threads = 0

function setup(thread)
  thread:set("index", threads)
  threads = threads + 1
end

function init(args)
  local count = tonumber(os.getenv("THREADS") or "1")
  local first = tonumber(os.getenv("RUN") or "0") * mixed
  mine = {}
  for i = first + index + 1, first + mixed, count do
    mine[#mine + 1] = channels[i]
  end
  turn = 0
end

local steps = {
  {"POST", 1},   -- assign to the first group
  {"PATCH", 2},  -- move to the second
  {"DELETE", 2}, -- take out of the second
}

function request()
  local i = turn % #mine + 1
  local step = steps[math.floor(turn / #mine) % 3 + 1]
  turn = turn + 1
  return wrk.format(step[1], "/organisations/" .. org .. "/groups/" .. groups[step[2]] .. "/channels/" .. mine[i])
end
