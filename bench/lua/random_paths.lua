-- wrk: each request asks for one of the paths of a file (one a line), uniformly at random.
local paths = {}

function init(args)
  for line in io.lines(args[1]) do
    paths[#paths + 1] = line
  end
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16) % 100000)
end

function request()
  return wrk.format("GET", paths[math.random(#paths)])
end
