import AsyncHTTPClient
import PatchbayApp

print("x")
