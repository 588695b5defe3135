package gen

// SearchTerms are French words and phrases of the generated catalogue
// (vendredi seed missions), from one in two missions to one in three
// hundred: the HTTP bench's "varied" lines (cmd/benchhttp) and
// BenchmarkSearch's text_varied send one after the other, a new one
// each request, so that it measures the search rather than one plan and
// one set of pages kept warm. The figure after each is its number of
// matches among 100 000 generated missions (seed 1).
var SearchTerms = []string{
	"bénévole",         // 64 604
	"accompagnement",   // 54 610
	"fiscalité",        // 19 728
	"sport",            // 17 860
	"handicap",         // 15 656
	"jeunes",           // 14 983
	"réfugiés",         // 10 302
	"anglais",          //  9 786
	"subvention",       //  6 400
	"patrimoine",       //  6 086
	"archives",         //  6 015
	"santé",            //  5 947
	"prévention",       //  5 135
	"emploi",           //  4 066
	"mentorat",         //  3 952
	"urgence sociale",  //  3 204
	"soutien scolaire", //  3 028
	"cloud",            //  2 851
	"rédaction",        //  2 795
	"collégiens",       //  2 718
	"illettrisme",      //  2 605
	"droit",            //  2 601
	"théâtre",          //  2 229
	"concert",          //  2 228
	"citoyenneté",      //  1 666
	"climat",           //  1 398
	"aide alimentaire", //  1 165
	"no-code",          //    985
	"festival",         //    934
	"personnes âgées",  //    623
	"comptabilité",     //    610
	"informatique",     //    556
	"design",           //    522
	"photographie",     //    412
	"stock",            //    354
	"budgétaire",       //    304
	"arabe",            //    274
}
