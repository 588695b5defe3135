package mcf

// Benchmarks of the auction experiment on DIMACS files of the allocation's
// shape (MCF_FILE=30k-2.min go test -run X -bench FileBip -benchtime 1x);
// they skip without MCF_FILE. Kept in history only, see bipartite.go.

import (
	"bufio"
	"context"
	"os"
	"strconv"
	"syscall"
	"testing"
)

func BenchmarkFileTmp(b *testing.B) {
	path := os.Getenv("MCF_FILE")
	if path == "" {
		b.Skip()
	}
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	net, err := ReadDIMACS(bufio.NewReaderSize(f, 1<<20))
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	opt := Options{}
	if v, err := strconv.ParseInt(os.Getenv("MCF_ALPHA"), 10, 64); err == nil {
		opt.Alpha = v
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var r0, r1 syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &r0)
		res, err := Solve(context.Background(), net, opt)
		syscall.Getrusage(syscall.RUSAGE_SELF, &r1)
		b.Logf("cpu %.3f s", float64(r1.Utime.Nano()-r0.Utime.Nano()+r1.Stime.Nano()-r0.Stime.Nano())/1e9)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("cost %d stats %+v", res.Cost, res.Stats)
	}
}

func toBipartite(net *Network) *Bipartite {
	n := net.Nodes()
	sink := int32(n - 1)
	nl := 0
	for a := range net.Tail {
		if net.Tail[a] == 0 && net.Head[a] != sink {
			nl++
		}
	}
	nr := n - 2 - nl
	b := &Bipartite{LeftCap: make([]int64, nl), RightCap: make([]int64, nr), Start: make([]int32, nl+1)}
	for a := range net.Tail {
		t, h := net.Tail[a], net.Head[a]
		switch {
		case t == 0 && h != sink:
			b.LeftCap[h-1] = net.Cap[a]
		case h == sink && t != 0:
			b.RightCap[int(t)-1-nl] = net.Cap[a]
		case t != 0:
			b.Start[t]++
			b.Right = append(b.Right, h-1-int32(nl))
			b.Weight = append(b.Weight, -net.Cost[a])
		}
	}
	for i := 0; i < nl; i++ {
		b.Start[i+1] += b.Start[i]
	}
	return b
}

func BenchmarkFileBip(b *testing.B) {
	path := os.Getenv("MCF_FILE")
	if path == "" {
		b.Skip()
	}
	f, _ := os.Open(path)
	net, err := ReadDIMACS(bufio.NewReaderSize(f, 1<<20))
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	bp := toBipartite(net)
	if v, err := strconv.ParseInt(os.Getenv("MCF_EPS0"), 10, 64); err == nil {
		auctionEps0 = v
	}
	if v, err := strconv.ParseInt(os.Getenv("MCF_EPSLAST"), 10, 64); err == nil {
		auctionEpsLast = v
	}
	if v, err := strconv.ParseInt(os.Getenv("MCF_ALPHA"), 10, 64); err == nil {
		auctionAlpha = v
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var r0, r1 syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &r0)
		res, err := SolveBipartite(context.Background(), bp, Options{})
		syscall.Getrusage(syscall.RUSAGE_SELF, &r1)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("cpu %.3f s weight %d stats %+v", float64(r1.Utime.Nano()-r0.Utime.Nano()+r1.Stime.Nano()-r0.Stime.Nano())/1e9, res.Weight, res.Stats)
	}
}

func BenchmarkFileWarm(b *testing.B) {
	path := os.Getenv("MCF_FILE")
	if path == "" {
		b.Skip()
	}
	f, _ := os.Open(path)
	net, err := ReadDIMACS(bufio.NewReaderSize(f, 1<<20))
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	epsMul, _ := strconv.ParseInt(os.Getenv("MCF_WEPS"), 10, 64)
	if epsMul == 0 {
		epsMul = 8
	}
	kth, _ := strconv.ParseInt(os.Getenv("MCF_KTH"), 10, 64) // places multiplier
	if kth == 0 {
		kth = 1
	}
	b.ResetTimer()
	for it := 0; it < b.N; it++ {
		var r0, r1 syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &r0)
		bp := toBipartite(net)
		nl, nr := len(bp.LeftCap), len(bp.RightCap)
		hist := make([]int32, nr*101)
		for k, j := range bp.Right {
			w := bp.Weight[k]
			if w >= 0 && w <= 100 {
				hist[int(j)*101+int(w)]++
			}
		}
		pot := make([]int64, net.Nodes())
		for j := 0; j < nr; j++ {
			need := bp.RightCap[j] * kth
			var c int64
			v := int64(0)
			for w := 100; w >= 0; w-- {
				c += int64(hist[j*101+w])
				if c > need {
					v = int64(w)
					break
				}
			}
			pot[1+nl+j] = -v * 8
		}
		for i := 0; i < nl; i++ {
			var p1, p2 int64 // two best profits, at least 0
			for k := bp.Start[i]; k < bp.Start[i+1]; k++ {
				p := bp.Weight[k]*8 + pot[1+nl+int(bp.Right[k])]
				if p > p1 {
					p1, p2 = p, p1
				} else if p > p2 {
					p2 = p
				}
			}
			if bp.LeftCap[i] >= 2 {
				pot[1+i] = p2
			} else {
				pot[1+i] = p1
			}
		}
		ws := &warmStart{Pot: pot, Den: 8, Eps: epsMul}
		res, err := solve(context.Background(), net, Options{}, ws)
		syscall.Getrusage(syscall.RUSAGE_SELF, &r1)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("cpu %.3f s cost %d stats %+v", float64(r1.Utime.Nano()-r0.Utime.Nano()+r1.Stime.Nano()-r0.Stime.Nano())/1e9, res.Cost, res.Stats)
	}
}
