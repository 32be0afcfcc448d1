-- list.lua: wrk asks for the first page of 50 ungrouped channels of the
-- organisation that seed made (vars.lua), again and again.
dofile("vars.lua")

local path = "/organisations/" .. org .. "/groups/channels/no-group?limit=50"

function request()
  return wrk.format("GET", path)
end
