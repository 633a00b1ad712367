-- wrk script: sends pre-built deliveries to any provider, one per request, in file order.
-- Each line of the file (the script's argument) is "<path>\t<Name: value>\t…\t<body>": the path, the
-- headers, and the exact body (JSON, which holds no tab or newline).
local requests = {}
local count, index = 0, 0

function init(args)
  for line in io.lines(args[1]) do
    local fields = {}
    for field in (line .. "\t"):gmatch("([^\t]*)\t") do fields[#fields + 1] = field end
    local headers = {}
    for i = 2, #fields - 1 do
      local colon = fields[i]:find(":", 1, true)
      headers[fields[i]:sub(1, colon - 1)] = fields[i]:sub(colon + 2)
    end
    count = count + 1
    requests[count] = wrk.format("POST", fields[1], headers, fields[#fields])
  end
end

function request()
  index = index % count + 1
  return requests[index]
end
