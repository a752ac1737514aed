"""Package data of the quantum-network simulator (SURFnet-like topology, NV link table); see README.md."""
