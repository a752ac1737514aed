"""DRAMSys-format data files shipped with the DRAM simulator (package data)."""
