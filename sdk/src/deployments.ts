// Generated from contracts/abi/deployments.json by contracts/tests/published.rs: do not edit.
// SWAN_BLESS=1 cargo test -p swan-contracts --test published rewrites it.

export const deployments = {
  "devnet": {
    "chain_id": 31337,
    "note": "swan devnet: anvil's account 0 deploys on a fresh chain, so these addresses are the same every time",
    "market": "0xe7f1725e7734ce288f8367e1bb143e90bb3f0512",
    "registry": "0xcafac3dd18ac6c6e92c921884f9e4176737c052c",
    "token": "0x5fbdb2315678afecb367f032d93f642f64180aa3",
    "start_block": 1
  }
} as const;
