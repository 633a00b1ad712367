-- wrk script: sends pre-signed Adyen relayed authentications, one per request, in file order.
-- Each line of the file (first script argument) is "<HmacSignature>\t<body>"; the second argument
-- is the Authorization header.
local requests = {}
local count, index = 0, 0

function init(args)
  for line in io.lines(args[1]) do
    local tab = line:find("\t", 1, true)
    count = count + 1
    requests[count] = wrk.format("POST", "/webhooks/adyen/authentication", {
      ["Content-Type"] = "application/json",
      ["Authorization"] = args[2],
      ["HmacSignature"] = line:sub(1, tab - 1),
    }, line:sub(tab + 1))
  end
end

function request()
  index = index % count + 1
  return requests[index]
end
